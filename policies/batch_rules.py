"""`[[batch_rules]]`: limits over the whole transaction, not one call at a time.

The calls are the leaves of the call tree in execution order (a MultiSend batch and other
wrappers unwrapped; the batch node itself is a container, not a call). Per rule:

- `max_calls`: how many calls the transaction makes;
- `sums`: token amounts moved, in total or per recipient: `transfer` and `transferFrom` on the
  token, and `approve` too (an approval lets the spender move that much); native coin by call
  value (every node's value counts, so a wrapper forwarding value is counted twice: never less);
- `counts`: how many calls match a call pattern;
- `sequences`: every call matching `when` must meet `require` and be followed at once by a call
  matching `then` (an approve of exactly N to X, then X's own call).

Anything that cannot be read (an amount that does not decode) breaks the limit: fail closed.
Every rule gives one decision, held or broken, that says which condition and the values in units.
"""

from decoders.abi import parse_signature
from decoders.calls import CallNode
from decoders.units import format_units

from .evaluate import _Args, match_failures
from .model import BatchRule, SequenceRule, SumLimit
from .refs import Env
from .result import CallDecision, FailedCondition
from decoders.vocabulary import Effect

# ERC-20 functions that move (or let someone move) the token, with the recipient and amount positions (EIP-20).
MOVES = {
    fn.selector: (fn, recipient, amount) for fn, recipient, amount in (
        (parse_signature("transfer(address to,uint256 amount)"), 0, 1),
        (parse_signature("transferFrom(address from,address to,uint256 amount)"), 1, 2),
        (parse_signature("approve(address spender,uint256 amount)"), 0, 1),
    )
}
UNREADABLE = "unreadable"  # a recipient key for amounts that did not decode


class BatchChecker:
    def __init__(self, root: CallNode, env: Env, args: _Args, units: dict[str, tuple[str, int]]):
        self.nodes = list(root.walk())
        self.calls = [node for node in self.nodes if not node.children]
        self.env, self.args, self.units = env, args, units

    # -- amounts in units ---------------------------------------------------------------------
    def amount_text(self, amount: int, token: str | None) -> str:
        if token is None:
            return f"{format_units(amount, 18)} native ({amount} wei)"
        symbol, decimals = self.units.get(token, (None, None))
        if symbol is None or decimals is None:
            return f"{amount} base units of {token}"
        return f"{format_units(amount, decimals)} {symbol}"

    # -- the limits ---------------------------------------------------------------------------
    def moved(self, limit: SumLimit) -> tuple[dict[str, int], list[str]]:
        """recipient (lowercase) -> amount moved; and the paths of calls whose amount could not be read."""
        totals: dict[str, int] = {}
        unreadable: list[str] = []
        if limit.token is None:
            for node in self.nodes:
                if node.value:
                    totals[node.to.lower()] = totals.get(node.to.lower(), 0) + node.value
            return totals, unreadable
        tokens = self.env.resolve(limit.token)
        for node in self.nodes:
            move = MOVES.get(node.data[:4]) if node.to.lower() in tokens else None
            if move is None:
                continue
            function, recipient_at, amount_at = move
            values = self.args.values(node, function)
            if values is None:
                unreadable.append(node.path)
                continue
            recipient = str(values[recipient_at]).lower()
            totals[recipient] = totals.get(recipient, 0) + values[amount_at]
        return totals, unreadable

    def check_sum(self, rule_id: str, limit: SumLimit) -> tuple[list[FailedCondition], str]:
        token = None if limit.token is None else next(iter(sorted(self.env.resolve(limit.token))), None)
        name = "native coin" if limit.token is None else limit.token.display
        totals, unreadable = self.moved(limit)
        cap = self.amount_text(limit.cap, token)
        if unreadable:
            return [FailedCondition(rule_id, f"sum of {name}", f"<= {cap}",
                                    f"unknown: call(s) {', '.join(unreadable)} do not decode")], ""
        if limit.per_recipient:
            worst = max(totals.items(), key=lambda item: item[1], default=(None, 0))
            label = self.env.label_of(worst[0]) if worst[0] else None
            who = f"@{label}" if label else worst[0]
            actual = f"{self.amount_text(worst[1], token)} to {who}" if worst[0] else "nothing moved"
            if worst[1] > limit.cap:
                return [FailedCondition(rule_id, f"sum of {name} per recipient", f"<= {cap}", actual)], ""
            return [], f"largest {name} sum per recipient {actual} <= {cap}"
        total = sum(totals.values())
        if total > limit.cap:
            return [FailedCondition(rule_id, f"sum of {name}", f"<= {cap}", self.amount_text(total, token))], ""
        return [], f"{name} moved {self.amount_text(total, token)} <= {cap}"

    def check_sequence(self, rule_id: str, sequence: SequenceRule) -> list[FailedCondition]:
        failures = []
        for index, node in enumerate(self.calls):
            if match_failures(sequence.when, node, self.env, self.args, unknown_holds=True, check_target=True):
                continue  # not a call this sequence is about
            if sequence.require is not None:
                values = self.args.values(node, sequence.when.function) if sequence.when.function else None
                problems = (sequence.require.check_values(values, self.env, "", unknown_holds=False) if values is not None
                            else [None])
                for problem in problems:
                    what = f"call {node.path} ({sequence.shown_when})"
                    if problem is None:
                        failures.append(FailedCondition(rule_id, what, "arguments as required", "does not decode"))
                    else:
                        failures.append(FailedCondition(rule_id, f"{what} {problem.argument}", problem.expected,
                                                        problem.actual))
            if sequence.then is not None:
                following = self.calls[index + 1] if index + 1 < len(self.calls) else None
                if following is None or match_failures(sequence.then, following, self.env, self.args,
                                                       unknown_holds=False, check_target=True):
                    actual = "nothing (last call)" if following is None else f"call {following.path} to {following.to}"
                    failures.append(FailedCondition(rule_id, f"call after {node.path} ({sequence.shown_when})",
                                                    sequence.shown_then, actual))
        return failures

    def decide(self, rule: BatchRule) -> CallDecision:
        failures: list[FailedCondition] = []
        held: list[str] = []
        if rule.max_calls is not None:
            if len(self.calls) > rule.max_calls:
                failures.append(FailedCondition(rule.id, "number of calls", f"<= {rule.max_calls}", str(len(self.calls))))
            else:
                held.append(f"{len(self.calls)} call(s) <= {rule.max_calls}")
        for limit in rule.sums:
            broken, text = self.check_sum(rule.id, limit)
            failures.extend(broken)
            held.extend([text] if text else [])
        for count in rule.counts:
            hits = [n for n in self.calls
                    if not match_failures(count.match, n, self.env, self.args, unknown_holds=True, check_target=True)]
            if len(hits) > count.cap:
                failures.append(FailedCondition(rule.id, f"calls of {count.shown}", f"<= {count.cap}", str(len(hits))))
            else:
                held.append(f"{len(hits)} call(s) of {count.shown} <= {count.cap}")
        for sequence in rule.sequences:
            broken = self.check_sequence(rule.id, sequence)
            failures.extend(broken)
            if not broken:
                held.append(f"sequence after {sequence.shown_when} holds")
        path = f"batch:{rule.id}"
        if failures:
            reason = f" ({rule.description})" if rule.description else ""
            first = failures[0]
            return CallDecision(path, rule.effect, (rule.id,), tuple(failures),
                                f"{first.argument} must be {first.expected}, is {first.actual}{reason}")
        return CallDecision(path, Effect.ALLOW, (rule.id,), (), "holds: " + "; ".join(held))
