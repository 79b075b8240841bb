"""Evaluate every call of a decoded transaction against a compiled policy.

Per call: any matching deny rule wins; else an allow rule must match (a matching warn rule
turns it into warn; warn rules never allow on their own); else `defaults.unmatched` (or
`defaults.unknown_abi` for calldata nobody can decode). Rule order never matters. Rules are
indexed by (target, selector) per chain and Safe, so each call only looks at the few rules
that could apply to it.
"""

import re

from decoders.abi import Function, decode_arguments
from decoders.calls import MULTISEND_SELECTOR, CallNode
from decoders.errors import DecodeError
from decoders.hexutil import short_address
from decoders.refund import Refund, read_refund
from decoders.safetx import Context, SafeTx
from decoders.units import format_units

from .conditions import Compare, Failure
from .model import CallMatch, Policy, Rule
from .refs import Env
from .result import FailedCondition, CallDecision, PolicyResult, SignatureStatus
from decoders.vocabulary import Effect, FindingCode, operation_name



class RuleIndex:
    """(lowercase target or None, selector or None) -> rules; None stands for "any".

    A bucket holding many rules for one function (say 500 recipient-specific transfer rules)
    is indexed once more by the address an `eq`/`in` condition pins one argument to, so a call
    only checks the rules naming its own argument value."""

    SPLIT_AT = 8

    def __init__(self, rules: tuple[Rule, ...], env: Env):
        self.buckets: dict[tuple[str | None, bytes | None], list[Rule]] = {}
        for rule in rules:
            targets = [None] if rule.match.targets is None else sorted(env.resolve_all(rule.match.targets))
            for target in targets:
                self.buckets.setdefault((target, rule.match.selector), []).append(rule)
        self.keyed: dict[tuple, tuple[list[Rule], dict[int, dict[str, list[Rule]]], Function]] = {}
        for key, bucket in self.buckets.items():
            if len(bucket) >= self.SPLIT_AT and key[1]:
                self._split(key, bucket, env)

    def _split(self, key: tuple, bucket: list[Rule], env: Env) -> None:
        rest: list[Rule] = []
        by_argument: dict[int, dict[str, list[Rule]]] = {}
        function = None
        for rule in bucket:
            pinned = _pinned_address(rule, env)
            if pinned is None:
                rest.append(rule)
                continue
            index, addresses = pinned
            function = function or rule.match.function
            for address in addresses:
                by_argument.setdefault(index, {}).setdefault(address, []).append(rule)
        if function is not None:
            self.keyed[key] = (rest, by_argument, function)

    def candidates(self, node: CallNode, args: "_Args") -> list[Rule]:
        to, selector = node.to.lower(), call_selector(node)
        found: list[Rule] = []
        for key in ((to, selector), (to, None), (None, selector), (None, None)):
            keyed = self.keyed.get(key)
            if keyed is None:
                found.extend(self.buckets.get(key, ()))
                continue
            rest, by_argument, function = keyed
            values = args.values(node, function)
            if values is None:  # cannot tell which rules apply: check them all (deny rules then hold)
                found.extend(self.buckets[key])
                continue
            found.extend(rest)
            seen: set[int] = set()
            for index, table in by_argument.items():
                value = values[index] if index < len(values) else None
                for rule in table.get(value.lower(), ()) if isinstance(value, str) else ():
                    if id(rule) not in seen:
                        seen.add(id(rule))
                        found.append(rule)
        return found


def _pinned_address(rule: Rule, env: Env) -> tuple[int, frozenset[str]] | None:
    """(argument position, addresses) when the rule only matches calls whose argument is one of them."""
    checks = rule.match.args.checks if rule.match.args is not None else ()
    for index, _, condition in checks:
        if isinstance(condition, Compare) and condition.is_address and condition.op in ("eq", "in"):
            return index, env.resolve_all(condition.expected)
    return None


_PLAIN_NUMBER = re.compile(r"^(<=|<|>=|>|=)?\s*([0-9]+)$")


def _in_units(text: str, unit: tuple[str, int]) -> str:
    """`"<= 300000000000"` -> `"<= 300,000 USDC (300000000000)"`; anything else unchanged."""
    match = _PLAIN_NUMBER.match(text)
    if match is None:
        return text
    op, digits = match.group(1), match.group(2)
    shown = f"{format_units(int(digits), unit[1])} {unit[0]} ({digits})"
    return f"{op} {shown}" if op else shown


def _gas_price_text(refund: Refund, price: int) -> str:
    """A gas price as people compare them: gwei for the native coin, token units per gas otherwise."""
    if refund.native:
        return f"{format_units(price, 9)} gwei ({price} wei)"
    return f"{refund.amount_text(price)} per gas"


def call_selector(node: CallNode) -> bytes:
    return node.data[:4] if len(node.data) >= 4 else node.data


class _Args:
    """Decoded argument values of a call under a given signature, decoded at most once."""

    def __init__(self) -> None:
        self.cache: dict[tuple[int, str], list | None] = {}

    def values(self, node: CallNode, function: Function) -> list | None:
        if node.function is not None and node.args is not None and node.decode_error is None \
                and node.function.canonical == function.canonical:
            return [a.value for a in node.args]
        key = (id(node), function.canonical)
        if key not in self.cache:
            try:
                self.cache[key] = [a.value for a in decode_arguments(function, node.data)]
            except DecodeError:
                self.cache[key] = None
        return self.cache[key]


def match_failures(match: CallMatch, node: CallNode, env: Env, args: _Args, unknown_holds: bool,
                   check_target: bool = False) -> list[Failure]:
    """Empty when the call satisfies `match`; otherwise why not."""
    if check_target and match.targets is not None and node.to.lower() not in env.resolve_all(match.targets):
        return [Failure("to", " or ".join(t.display for t in match.targets), node.to)]
    if check_target and match.selector is not None and call_selector(node) != match.selector:
        wanted = match.function.display if match.function else "no call data"
        return [Failure("function", wanted, "0x" + call_selector(node).hex() if node.data else "no call data")]
    if match.operations is not None and node.operation not in match.operations:
        return [Failure("operation", " or ".join(operation_name(o) for o in sorted(match.operations)),
                        operation_name(node.operation))]
    failures: list[Failure] = []
    if match.value is not None:
        failures.extend(match.value.check(node.value, env, "value", unknown_holds))
    if match.args is not None and match.function is not None:
        values = args.values(node, match.function)
        if values is None:
            if not unknown_holds:
                failures.append(Failure("calldata", match.function.display, "does not decode with this signature"))
        else:
            failures.extend(match.args.check_values(values, env, "", unknown_holds))
    return failures


def binding_error(policy: Policy, context: Context) -> str | None:
    for safe in policy.safes:
        if safe.chain == context.chain_id and safe.address.lower() == context.safe.lower():
            if safe.version is not None and safe.version != context.version.label:
                return (f"policy {policy.id} is for Safe {safe.address} at version {safe.version}, "
                        f"but this transaction is for version {context.version.label}; every call is denied")
            return None
    chain = context.chain_id if context.chain_id is not None else "unknown"
    named = ", ".join(f"{s.name or s.address} (chain {s.chain})" for s in policy.safes)
    return (f"policy {policy.id} does not cover Safe {context.safe} on chain {chain} (it covers {named}); "
            "every call is denied")


class _Evaluator:
    def __init__(self, policy: Policy, context: Context):
        self.policy = policy
        self.env = Env(context.chain_id, context.safe, policy.book)
        key = (context.chain_id, context.safe.lower())
        index = policy._indexes.get(key)
        if index is None:
            index = policy._indexes[key] = RuleIndex(policy.rules, Env(context.chain_id, context.safe, policy.book))
        self.index = index
        self.trusted = self.env.resolve_all(policy.trusted_delegates)
        self.args = _Args()

    def target_text(self, node: CallNode) -> str:
        label = self.env.label_of(node.to)
        if node.to.lower() == self.env.safe.lower():
            return "this Safe"
        if label:
            return f"@{label} ({short_address(node.to)})"
        if node.target is not None:
            return f"{node.target.name} {node.target.version} ({short_address(node.to)})"
        return short_address(node.to)

    def what(self, node: CallNode) -> str:
        if not node.data:
            return f"a plain transfer of {node.value} wei" if node.value else "an empty call"
        if node.function is not None and node.decode_error is None:
            return node.function.name
        return f"unknown function 0x{call_selector(node).hex()}"

    def decide(self, node: CallNode) -> CallDecision:
        matched: dict[str, list[str]] = {Effect.ALLOW: [], Effect.WARN: [], Effect.DENY: []}
        misses: list[FailedCondition] = []
        named: str | None = None  # a rule's name for a function the bundled ABIs do not know
        for rule in self.index.candidates(node, self.args):
            failures = match_failures(rule.match, node, self.env, self.args, unknown_holds=rule.effect == Effect.DENY)
            if not failures:
                matched[rule.effect].append(rule.id)
            elif rule.effect == Effect.ALLOW:
                if rule.match.function is not None and node.function is None:
                    named = rule.match.function.name
                misses.extend(self.explained(rule.id, f, node) for f in failures[:5])
        every = tuple(sorted(matched[Effect.DENY]) + sorted(matched[Effect.ALLOW]) + sorted(matched[Effect.WARN]))
        target = self.target_text(node)
        if matched[Effect.DENY]:
            rule = self._rule(sorted(matched[Effect.DENY])[0])
            reason = f": {rule.description}" if rule.description else ""
            return CallDecision(node.path, Effect.DENY, every, (), f"denied by rule {rule.id}{reason}")
        if node.operation == 1 and node.to.lower() not in self.trusted:
            return CallDecision(node.path, Effect.DENY, every, (),
                                f"delegatecall to {target}, which [delegatecall].trusted does not list")
        if node.function is not None and call_selector(node) == MULTISEND_SELECTOR:
            batch = self.batch_decision(node, target, every, matched[Effect.ALLOW])
            if batch is not None:
                return batch
        if matched[Effect.ALLOW]:
            if matched[Effect.WARN]:
                rule = self._rule(sorted(matched[Effect.WARN])[0])
                reason = rule.description or f"rule {rule.id} flags it"
                return CallDecision(node.path, Effect.WARN, every, (), f"{self.what(node)} on {target}: {reason}")
            return CallDecision(node.path, Effect.ALLOW, every, (),
                                f"{self.what(node)} on {target} allowed by {', '.join(sorted(matched[Effect.ALLOW]))}")
        what = self.what(node) if named is None else f"{named} (0x{call_selector(node).hex()}, named by the policy)"
        unknown = bool(node.data) and (node.function is None or node.decode_error is not None) and not misses
        outcome = self.policy.unknown_abi if unknown else self.policy.unmatched
        detail = f"; closest rule: {misses[0].text()}" if misses else ""
        if unknown:
            message = f"no rule allows {what} on {target}, and Coldsight cannot decode it{detail}"
        else:
            message = f"no rule allows {what} on {target}{detail}"
        return CallDecision(node.path, outcome, every, tuple(misses), message)

    def batch_decision(self, node: CallNode, target: str, every: tuple, allowed: list[str]) -> CallDecision | None:
        """The batch node itself: the Safe's own batch passes; anything else needs a rule naming this exact call."""
        batch = node.batch
        own = (node.is_batch and node.operation == 1 and node.value == 0 and node.runs_as == self.env.safe
               and batch is not None and batch.clean and batch.reverts_at is None)
        if own:
            return CallDecision(node.path, Effect.ALLOW, every, (),
                                f"batch of {len(node.children)} call(s) through {target}; each is checked on its own")
        if batch is not None and not batch.clean:
            return CallDecision(node.path, Effect.DENY, every, (),
                                f"batch through {target} whose bytes the contract reads differently from a clean batch")
        explicit = [rule_id for rule_id in allowed if self._names_exact_call(self._rule(rule_id))]
        if explicit:
            return None  # the ordinary allow/warn outcome applies
        if not node.is_batch:
            why = "multiSend on a contract that is not a known MultiSend deployment"
        elif node.operation != 1:
            why = "a plain CALL to the batch contract: its calls run as that contract, not as this Safe"
        else:
            why = "a batch that moves native coin"
        return CallDecision(node.path, Effect.DENY, every, (),
                            f"{why} ({target}); only a rule naming this exact target and multiSend may allow it")

    @staticmethod
    def _names_exact_call(rule: Rule) -> bool:
        return rule.match.targets is not None and rule.match.selector == MULTISEND_SELECTOR

    def refund_decision(self, refund: Refund | None) -> CallDecision | None:
        """Whether the gas refund is within `[refund]` (no refund at all needs no decision)."""
        if refund is None:
            return None
        allowed = self.policy.refund
        what = refund.display
        if allowed is None:
            return CallDecision("refund", Effect.DENY, (), (), f"{what}; the policy allows no gas refund (no [refund] table)")
        entry = next((t for t in allowed.tokens if self._token_matches(t.token, refund)), None)
        if entry is None:
            return CallDecision("refund", Effect.DENY, (), (), f"{what}; [refund].tokens does not list this gas token")
        if entry.max_gas_price is not None and refund.gas_price > entry.max_gas_price:
            price, cap = _gas_price_text(refund, refund.gas_price), _gas_price_text(refund, entry.max_gas_price)
            return CallDecision("refund", Effect.DENY, (), (FailedCondition("[refund]", "gasPrice", f"<= {cap}", price),),
                                f"{what}; gasPrice {price} is above the policy's max_gas_price {cap} ({entry.where})")
        if refund.max_amount is None or refund.max_amount > entry.max_total:
            return CallDecision("refund", Effect.DENY, (), (FailedCondition("[refund]", "max refund",
                                f"<= {refund.amount_text(entry.max_total)}", refund.amount_text()),),
                                f"{what}; more than the policy's max_total of {refund.amount_text(entry.max_total)}")
        if refund.receiver is None and not allowed.executor:
            return CallDecision("refund", Effect.DENY, (), (), f"{what}; [refund].receivers does not allow $executor")
        if refund.receiver is not None and refund.receiver.lower() not in self.env.resolve_all(allowed.receivers):
            return CallDecision("refund", Effect.DENY, (), (), f"{what}; [refund].receivers does not list {refund.receiver}")
        return CallDecision("refund", Effect.ALLOW, (), (), f"{what}; within the policy's [refund] limits ({entry.where})")

    def explained(self, rule_id: str, failure: Failure, node: CallNode) -> FailedCondition:
        """A failed condition with plain numbers shown in units: the call's value in the native coin,
        an argument of a call to a token in that token's units (from the address book)."""
        if failure.argument == "value":
            unit: tuple[str, int] | None = ("native", 18)
        else:
            unit = self.token_units().get(node.to.lower())
        if unit is None:
            return FailedCondition(rule_id, failure.argument, failure.expected, failure.actual)
        return FailedCondition(rule_id, failure.argument, _in_units(failure.expected, unit), _in_units(failure.actual, unit))

    def _token_matches(self, token, refund: Refund) -> bool:
        if token is None:
            return refund.native
        return not refund.native and refund.token.lower() in self.env.resolve(token)

    def token_units(self) -> dict[str, tuple[str, int]]:
        """lowercase token address -> (symbol, decimals) from the address book, on this chain."""
        return {e.address.lower(): (e.token_symbol, e.token_decimals) for e in self.policy.book.values()
                if e.chain == self.env.chain_id and e.token_symbol is not None and e.token_decimals is not None}

    def _rule(self, rule_id: str) -> Rule:
        return next(r for r in self.policy.rules if r.id == rule_id)

    def waivers(self, root: CallNode) -> dict[tuple[str, str], str]:
        waived: dict[tuple[str, str], str] = {}
        for node in root.walk():
            for waiver in self.policy.waivers:
                if not match_failures(waiver.match, node, self.env, self.args, unknown_holds=False, check_target=True):
                    waived.setdefault((node.path, waiver.finding), waiver.reason)
        return waived

    def labels(self) -> dict[str, str]:
        return {e.address.lower(): e.label for e in self.policy.book.values() if e.chain == self.env.chain_id}


def evaluate_tree(policy: Policy, root: CallNode, context: Context, signature: SignatureStatus,
                  sha256: str = "", tx: SafeTx | None = None, findings: list | None = None,
                  effects=None) -> PolicyResult:
    """Decide every call of `root` (the whole tree, batches unwrapped) and, given `tx`, its gas refund."""
    evaluator = _Evaluator(policy, context)
    bound_error = binding_error(policy, context)
    batch: list[CallDecision] = []
    refund = read_refund(tx, context, evaluator.token_units()) if tx is not None else None
    if bound_error:
        calls = [CallDecision(n.path, Effect.DENY, (), (), bound_error) for n in root.walk()]
        waivers: dict = {}
        refund_decision = CallDecision("refund", Effect.DENY, (), (), bound_error) if refund is not None else None
    else:
        calls = [evaluator.decide(node) for node in root.walk()]
        if policy.batch_rules:
            from .batch_rules import BatchChecker  # imports this module: load it only when needed

            checker = BatchChecker(root, evaluator.env, evaluator.args, evaluator.token_units(), findings, effects)
            batch = [checker.decide(rule) for rule in policy.batch_rules]
        waivers = evaluator.waivers(root)
        refund_decision = evaluator.refund_decision(refund)
        if refund_decision is not None and refund_decision.outcome == Effect.ALLOW:
            # The GAS_REFUND finding is about this refund, which the signed policy explicitly bounds.
            waivers.setdefault(("0", FindingCode.GAS_REFUND), f"[refund] allows it: {refund_decision.message}")
    return PolicyResult(policy.id, policy.serial, sha256, signature, calls, bound_error, waivers, evaluator.labels(),
                        refund_decision, batch)


def evaluate(loaded, report) -> PolicyResult:
    """Evaluate a loaded policy (policies.load.LoadedPolicy) against a decoders Report."""
    return evaluate_tree(loaded.policy, report.root, report.context, loaded.signature, loaded.sha256,
                         tx=report.payload.tx, findings=list(report.findings), effects=getattr(report, "effects", None))

