"""Why a policy was refused. Every one fails closed: the CLI exits 3 and nothing is verified
against a policy that did not load."""

from decoders.errors import ColdsightError


class PolicyError(ColdsightError):
    """The policy file (or its trust / signature file) is malformed or breaks the schema."""

    code = "POLICY_INVALID"

    def describe(self) -> str:
        return "policy refused: " + super().describe()


class PolicySignatureError(PolicyError):
    """Signatures missing, invalid, by untrusted keys or below the trust threshold."""

    code = "POLICY_SIGNATURE"


class PolicyValidityError(PolicyError):
    """Outside the policy's `not_before` .. `expires` window."""

    code = "POLICY_NOT_VALID_NOW"


class PolicyRollbackError(PolicyError):
    """A lower serial than this machine has already seen (or the same serial with other bytes)."""

    code = "POLICY_ROLLBACK"
