"""The pure policy engine: load a signed TOML policy, evaluate a decoded transaction against it.

    loaded = load_policy(Path("treasury.toml"), trust=load_trust(TRUST_FILE), store=SerialStore.default())
    result = evaluate(loaded, report)      # a PolicyResult (app.service.Review holds it)

Imports `decoders` only; never `app`, Qt or anything that can reach a network.
"""

from .errors import PolicyError, PolicySignatureError, PolicyRollbackError, PolicyValidityError
from .evaluate import evaluate
from .messages import evaluate_message
from .load import LoadedPolicy, load_policy, parse_policy_bytes
from .result import CallDecision, FailedCondition, PolicyResult
from .rollback import SerialStore
from .signing import DEFAULT_TRUST_FILE, TrustSet, load_trust

__all__ = [
    "PolicyError", "PolicySignatureError", "PolicyRollbackError", "PolicyValidityError",
    "evaluate", "evaluate_message", "LoadedPolicy", "load_policy", "parse_policy_bytes",
    "CallDecision", "FailedCondition", "PolicyResult", "SerialStore",
    "DEFAULT_TRUST_FILE", "TrustSet", "load_trust",
]
