"""`[[batch_rules]]`: limits over the whole transaction, not one call at a time.

The calls are the leaves of the call tree in execution order (a MultiSend batch and other
wrappers unwrapped; the batch node itself is a container, not a call). What moves is read by
policies/effects_view.py (outflows, allowances, operators, authority changes). Per rule:

- `max_calls`: how many calls the transaction makes;
- `sums`: outflows, in total or per recipient: `transfer` and `transferFrom` on the token to anyone
  but the Safe itself, native coin by call value (every node's value counts, so a wrapper
  forwarding value is counted twice: never less). A transfer into the Safe is not an outflow and an
  approval is an allowance, not an outflow;
- `allowances`: what approvals grant over the batch (`lte`), and what is left standing after it
  (`left_lte`): each `approve` sets the spender's allowance, a `used_by` call of the spender uses
  the amount it names, whatever is not used is left standing;
- `counterparties`: every recipient, spender, operator and new holder of authority is one of these
  (or the Safe itself);
- `authority_changes = false`: no change of who controls the Safe or any contract;
- `counts`: how many calls match a call pattern;
- `sequences`: every call matching `when` must meet `require` and be followed at once by a call
  matching `then` (an approve of exactly N to X, then X's own call).

Anything that cannot be read (an amount that does not decode) breaks the limit: fail closed.
Every rule gives one decision, held or broken, that says which condition, which calls, and the
values in units.
"""

from decoders.calls import CallNode
from decoders.hexutil import to_checksum
from decoders.units import format_units

from . import effects_view
from .evaluate import _Args, match_failures
from .model import AllowanceLimit, BatchRule, SequenceRule, SumLimit
from .refs import Env
from .result import CallDecision, FailedCondition
from decoders.vocabulary import Effect

UNREADABLE = "unreadable"  # a recipient key for amounts that did not decode
MAX_LISTED = 8  # calls named in one explanation


def _read(flow: effects_view.Flow) -> int:
    """The amount of a flow the caller kept because it was read (flows without one are reported as unreadable first)."""
    assert flow.amount is not None
    return flow.amount


class BatchChecker:
    def __init__(self, root: CallNode, env: Env, args: _Args, units: dict[str, tuple[str, int]],
                 findings: list | None = None, effects=None):
        self.nodes = list(root.walk())
        self.calls = [node for node in self.nodes if not node.children]
        self.env, self.args, self.units = env, args, units
        # The core's effects model where the report carries one, the call-tree reading for the rest.
        self.flows = effects_view.combined(effects_view.flows(root, env.safe, args.values), effects, env.safe)
        self.findings = findings  # the core's findings (None: not given; authority is then read from the calls only)

    # -- amounts in units ---------------------------------------------------------------------
    def amount_text(self, amount: int, token: str | None) -> str:
        if token is None:
            return f"{format_units(amount, 18)} native ({amount} wei)"
        symbol, decimals = self.units.get(token, (None, None))
        if symbol is None or decimals is None:
            return f"{amount} base units of {token}"
        return f"{format_units(amount, decimals)} {symbol}"

    def who(self, address: str | None) -> str:
        """A counterparty in full, with its label: the whole address is what a reviewer compares."""
        if address is None:
            return "nobody"
        if address == self.env.safe.lower():
            return "this Safe"
        label = self.env.label_of(address)
        shown = to_checksum(bytes.fromhex(address[2:]))
        return f"@{label} {shown}" if label else shown

    def listed(self, items: list[str]) -> str:
        more = f", and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
        return ", ".join(items[:MAX_LISTED]) + more

    # -- the limits ---------------------------------------------------------------------------
    def outflows(self, limit: SumLimit) -> tuple[list[effects_view.Flow], list[str]]:
        """The outflows of the limit's token; and the paths of calls whose amount could not be read."""
        if limit.token is None:
            chosen = [f for f in self.flows if f.kind == effects_view.OUTFLOW and f.token is None]
        else:
            tokens = self.env.resolve(limit.token)
            chosen = [f for f in self.flows if f.kind == effects_view.OUTFLOW and f.token in tokens]
        return [f for f in chosen if f.amount is not None], [f.path for f in chosen if f.amount is None]

    def check_sum(self, rule_id: str, limit: SumLimit) -> tuple[list[FailedCondition], str]:
        token = None if limit.token is None else next(iter(sorted(self.env.resolve(limit.token))), None)
        name = "native coin" if limit.token is None else limit.token.display
        moved, unreadable = self.outflows(limit)
        cap = self.amount_text(limit.cap, token)
        if unreadable:
            return [FailedCondition(rule_id, f"sum of {name}", f"<= {cap}",
                                    f"unknown: call(s) {', '.join(unreadable)} do not decode or do not fix the amount")], ""

        def calls(items: list[effects_view.Flow]) -> str:
            return self.listed([f"{f.path} ({self.amount_text(_read(f), token)} to {self.who(f.counterparty)})"
                                for f in items])

        if limit.per_recipient:
            totals: dict[str | None, int] = {}
            for flow in moved:
                totals[flow.counterparty] = totals.get(flow.counterparty, 0) + _read(flow)
            worst = max(totals.items(), key=lambda item: item[1], default=(None, 0))
            actual = f"{self.amount_text(worst[1], token)} to {self.who(worst[0])}" if worst[0] else "nothing moved"
            if worst[1] > limit.cap:
                mine = [f for f in moved if f.counterparty == worst[0]]
                return [FailedCondition(rule_id, f"sum of {name} per recipient", f"<= {cap}",
                                        f"{actual}: calls {calls(mine)}")], ""
            return [], f"largest {name} sum per recipient {actual} <= {cap}"
        total = sum(_read(f) for f in moved)
        if total > limit.cap:
            return [FailedCondition(rule_id, f"sum of {name}", f"<= {cap}",
                                    f"{self.amount_text(total, token)}: calls {calls(moved)}")], ""
        return [], f"{name} moved {self.amount_text(total, token)} <= {cap}"

    def check_allowance(self, rule_id: str, limit: AllowanceLimit) -> tuple[list[FailedCondition], str]:
        tokens = self.env.resolve(limit.token)
        token = next(iter(sorted(tokens)), None)
        name = limit.token.display
        cap = self.amount_text(limit.cap, token)
        mine = [f for f in self.flows if f.kind == effects_view.ALLOWANCE and f.token in tokens]
        unreadable = [f.path for f in mine if f.amount is None]
        if unreadable:
            return [FailedCondition(rule_id, f"allowance of {name}", f"<= {cap}",
                                    f"unknown: call(s) {', '.join(unreadable)} do not decode")], ""
        standing: dict[str | None, int] = {}
        granted: dict[str | None, int] = {}
        story: dict[str | None, list[str]] = {}
        uses = {f.path: f for f in mine}
        for node in self.calls if limit.kind == "left" else []:
            flow = uses.get(node.path)
            if flow is not None:
                spender = flow.counterparty
                before = standing.get(spender, 0)
                standing[spender] = _read(flow) if flow.sign == 0 else max(0, before + flow.sign * _read(flow))
                story.setdefault(spender, []).append(f"{node.path} {flow.function} {self.amount_text(_read(flow), token)}")
                continue
            spender = node.to.lower()
            if standing.get(spender):
                for use in limit.used_by:
                    if match_failures(use.match, node, self.env, self.args, unknown_holds=False, check_target=True):
                        continue
                    function = use.match.function
                    assert function is not None  # a use names its function: amount_index is one of its arguments
                    values = self.args.values(node, function)
                    if values is None:
                        continue
                    used = min(standing[spender], values[use.amount_index])
                    standing[spender] -= used
                    story.setdefault(spender, []).append(f"{node.path} {function.name} uses "
                                                         f"{self.amount_text(used, token)}")
                    break
        for flow in mine:
            if flow.sign >= 0:
                granted[flow.counterparty] = granted.get(flow.counterparty, 0) + _read(flow)
        totals = standing if limit.kind == "left" else granted
        what = "allowance left standing after the batch" if limit.kind == "left" else "allowance granted"
        spenders: list[str | None]
        if limit.per_recipient:
            worst = max(totals.items(), key=lambda item: item[1], default=(None, 0))
            amount, spenders = worst[1], [worst[0]] if worst[0] else []
        else:
            amount, spenders = sum(totals.values()), [s for s, v in totals.items() if v]
        argument = f"{what} of {name}" + (" per spender" if limit.per_recipient else "")
        if amount > limit.cap:
            detail = "; ".join(f"{self.who(s)}: {', '.join(story.get(s, []))}" if story.get(s) else
                               f"{self.who(s)}: {self.amount_text(totals[s], token)}" for s in spenders)
            left = f" ({'left standing' if limit.kind == 'left' else 'granted'})"
            return [FailedCondition(rule_id, argument, f"<= {cap}",
                                    f"{self.amount_text(amount, token)}{left} \u2014 {detail}")], ""
        return [], f"{what} of {name} {self.amount_text(amount, token)} <= {cap}"

    def check_counterparties(self, rule_id: str, allowed_refs) -> tuple[list[FailedCondition], str]:
        listed = self.env.resolve_all(allowed_refs)
        allowed = listed | {self.env.safe.lower()}
        words = {effects_view.OUTFLOW: "recipient", effects_view.RECEIVES: "recipient", effects_view.ALLOWANCE: "spender",
                 effects_view.OPERATOR: "operator", effects_view.AUTHORITY: "new holder of control"}
        failures, seen = [], 0
        for flow in self.flows:
            if flow.kind == effects_view.ALLOWANCE and flow.sign == 0 and flow.amount == 0:
                continue  # a revoke hands nothing over
            if flow.kind == effects_view.OPERATOR and flow.sign == 0:
                continue
            if flow.counterparty is None and flow.amount is not None:
                continue  # nobody receives anything (renounceOwnership, changeThreshold)
            seen += 1
            if flow.counterparty is None or flow.counterparty not in allowed:
                actual = "unreadable (does not decode)" if flow.counterparty is None else self.who(flow.counterparty)
                failures.append(FailedCondition(rule_id, f"call {flow.path} ({flow.function}) {words[flow.kind]}",
                                                "one of the listed counterparties", actual))
        if failures:
            return failures[:MAX_LISTED], ""
        names = self.listed(sorted(self.who(a) for a in listed)) if len(listed) <= MAX_LISTED else f"{len(listed)} listed"
        return [], f"{seen} counterpart(ies), all listed ({names or 'none on this chain'})"

    def check_authority(self, rule_id: str) -> tuple[list[FailedCondition], str]:
        changes = [f"call {f.path} ({f.function}" + (f" to {self.who(f.counterparty)})" if f.counterparty else ")")
                   for f in self.flows if f.kind == effects_view.AUTHORITY]
        for finding in self.findings or ():
            if finding.code in effects_view.AUTHORITY_FINDINGS:
                text = f"{finding.code} at call {finding.path}" if finding.path is not None else str(finding.code)
                changes.append(text)
        if changes:
            return [FailedCondition(rule_id, "authority changes", "none", self.listed(changes))], ""
        return [], "no authority changes"

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
        for allowance in rule.allowances:
            broken, text = self.check_allowance(rule.id, allowance)
            failures.extend(broken)
            held.extend([text] if text else [])
        if rule.counterparties is not None:
            broken, text = self.check_counterparties(rule.id, rule.counterparties)
            failures.extend(broken)
            held.extend([] if broken else [text])
        if not rule.authority_changes:
            broken, text = self.check_authority(rule.id)
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
