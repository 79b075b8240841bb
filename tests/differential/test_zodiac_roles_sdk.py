"""`coldsight policy export --zodiac-roles` against zodiac-roles-sdk (tests/node/zodiac_peer.cjs).

For every example policy (and a set of edge cases), the permissions Coldsight writes must equal, after
the SDK's own processing (merge, normalization, integrity checks), the permissions the SDK builds with
its own condition authoring (c.calldataMatches / c.eq / c.or / c.and / c.lt / c.lte / c.gt / c.gte)
from the same rules, and must round-trip through reconstructPermissions. The neutral description the
peer reads is built here from the compiled rules' comparisons, not from Coldsight's Roles encoding.

No anvil run: the Roles v2 modifier's bytecode is not in any npm package the project pins
(zodiac-roles-deployments carries addresses and ABIs, not bytecode), so on-chain enforcement is not
exercised here.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.cli import main
from policies.conditions import AllOf, AnyOf, Compare, param_kind
from policies.refs import Env
from policies.schema import compile_policy
from policies.zodiac import export_roles
from tests.policies.helpers import SAFE, policy_text

pytestmark = pytest.mark.node

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
PEER = NODE_DIR / "zodiac_peer.cjs"
EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"

EDGE_RULES = '''
[[rules]]
id = "in-list-and-range"
effect = "allow"
call = { to = "@USDC", function = "transfer(address to,uint256 amount)" }
args = { to = { in = ["@payroll", "@ops", "$safe"] }, amount = { gte = "10 USDC", lte = "250000 USDC" } }

[[rules]]
id = "any-of"
effect = "allow"
call = { to = "@USDC", function = "approve(address spender,uint256 amount)" }
args = { amount = { any_of = [{ lt = "5 USDC" }, { gt = "1000000 USDC" }] } }

[[rules]]
id = "later-argument"
effect = "allow"
call = { to = "@vault", function = "deposit(bytes data,uint8 level,bool flag,bytes32 tag,int64 delta)" }
args = { flag = true, tag = "0x00000000000000000000000000000000000000000000000000000000000000ff", delta = { gte = -5 }, level = { lt = 255 } }

[[rules]]
id = "target-only"
effect = "allow"
call = { to = "@vault", function = "*" }

[[rules]]
id = "merged-with-first"
effect = "allow"
call = { to = "@USDC", function = "transfer(address to,uint256 amount)" }
args = { to = "@vault" }
'''


def neutral(condition, param, env: Env):
    """A comparison tree in plain words (op, value) for the peer to author with the SDK's own helpers."""
    if condition is None:
        return None
    if isinstance(condition, Compare):
        values = sorted(env.resolve_all(condition.expected)) if condition.is_address else list(condition.expected)
        shown = [v if isinstance(v, (str, bool)) else ("0x" + v.hex() if isinstance(v, bytes) else str(v)) for v in values]
        if condition.op in ("eq", "in"):
            nodes = [{"op": "eq", "value": v} for v in shown]
            return nodes[0] if len(nodes) == 1 else {"op": "or", "parts": nodes}
        bits = int(param.type.removeprefix("u").removeprefix("int") or 256)
        high = (1 << (bits - (param_kind(param) == "int"))) - 1
        low = -(1 << (bits - 1)) if param_kind(param) == "int" else 0
        bound = condition.expected[0]
        if (condition.op == "lte" and bound >= high) or (condition.op == "gte" and bound <= low):
            return None  # constrains nothing
        return {"op": condition.op, "value": str(bound)}
    parts = [neutral(p, param, env) for p in condition.parts]
    if isinstance(condition, AnyOf) and None in parts:
        return None
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"op": "and" if isinstance(condition, AllOf) else "or", "parts": parts}


def spec_for(policy, export) -> list[dict]:
    env = Env(export.chain_id, export.safe, policy.book)
    rules = {r.id: r for r in policy.rules}
    spec = []
    for permission, source in zip(export.permissions, export.sources, strict=True):
        match = rules[source["rule"]].match
        if match.selector is None:
            spec.append({"targetAddress": permission["targetAddress"], "selector": None, "abiTypes": [], "scopings": []})
            continue
        function = match.function
        scopings = [None] * len(function.inputs)
        for index, _, condition in (match.args.checks if match.args else ()):
            scopings[index] = neutral(condition, function.inputs[index], env)
        spec.append({"targetAddress": permission["targetAddress"], "selector": "0x" + match.selector.hex(),
                     "abiTypes": [p.type for p in function.inputs], "scopings": scopings})
    return spec


def cases() -> list[tuple[str, object, object]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.toml")):
        policy = compile_policy(path.read_bytes(), path.name)
        for safe in policy.safes:
            found.append((path.name, policy, export_roles(policy, safe.chain, safe.address)))
    edge = compile_policy(policy_text(EDGE_RULES).encode(), "edge.toml")
    found.append(("edge.toml", edge, export_roles(edge, 1, SAFE)))
    return found


@pytest.fixture(scope="module")
def peer_answers() -> dict:
    if not (NODE_DIR / "node_modules").is_dir():
        pytest.skip("tests/node/node_modules missing (run tests/node/setup.sh)")
    node = shutil.which("node")
    assert node, "node_modules is installed but no `node` on PATH"
    found = cases()
    document = {"cases": [{"id": i, "ours": export.permissions, "spec": spec_for(policy, export)}
                          for i, (_, policy, export) in enumerate(found)]}
    run = subprocess.run([node, str(PEER)], input=json.dumps(document), capture_output=True, text=True, timeout=120,
                         cwd=NODE_DIR, env=dict(os.environ), check=False)
    assert run.returncode == 0, run.stderr
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert [a["id"] for a in answers] == list(range(len(found)))
    return {name + f"#{i}": (export, answer) for i, ((name, _, export), answer) in enumerate(zip(found, answers, strict=True))}


def test_every_example_exports_permissions(peer_answers):
    names = {key.split("#")[0] for key in peer_answers}
    assert {"treasury.toml", "protocol-admin.toml", "trading.toml", "edge.toml"} <= names
    for key, (export, _) in peer_answers.items():
        assert export.permissions, f"{key}: nothing exported"


def test_export_equals_the_sdk_authored_permissions_and_round_trips(peer_answers):
    for key, (_, answer) in peer_answers.items():
        assert "error" not in answer, f"{key}: {answer.get('error')}"
        assert answer["ours"] == answer["peer"], key
        assert answer["roundTrip"] == answer["ours"], key


def test_edge_rules_cover_or_and_ranges_signed_and_later_arguments(peer_answers):
    export, answer = next(v for k, v in peer_answers.items() if k.startswith("edge.toml"))
    assert {s["rule"] for s in export.sources} == {"in-list-and-range", "any-of", "later-argument", "target-only",
                                                   "merged-with-first"}
    usdc = next(t for t in answer["ours"] if t["address"].lower() == "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
    transfer = next(f for f in usdc["functions"] if f["selector"] == "0xa9059cbb")
    assert transfer["condition"]["operator"] == 2  # two rules for one function: the SDK merges them with Or


def test_cli_lists_what_cannot_be_enforced(tmp_path, capsys):
    out = tmp_path / "roles.json"
    assert main(["policy", "export", str(EXAMPLES / "treasury.toml"), "--zodiac-roles", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    export, = document["exports"]
    assert document["schema"] == "coldsight.zodiac-roles/1" and document["policy"] == "treasury#42"
    reasons = {item["rule"]: item["reason"] for item in export["notEnforceable"]}
    assert set(reasons) == {"large-usdc", "no-foreign-approvals", "eth-to-cold", "payroll-run"}
    assert "value cap" in reasons["eth-to-cold"] and "warn rule" in reasons["large-usdc"]
    assert "4 rule(s) cannot be enforced on chain" in capsys.readouterr().err
