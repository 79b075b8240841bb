// Differential peer for `coldsight policy export --zodiac-roles`: zodiac-roles-sdk (Zodiac Roles v2).
// Reads one JSON document on stdin: {cases: [{id, ours: [Permission], spec: [{targetAddress, selector, abiTypes,
// scopings}]}]}. For each case it builds the same permissions with the SDK's own condition authoring
// (c.calldataMatches, c.eq, c.or, c.and, c.lt/lte/gt/gte) from the neutral spec, runs both sets through
// processPermissions (merge, normalize, sanity checks) and targetIntegrity, and round-trips ours through
// reconstructPermissions. Writes {id, ours, peer, roundTrip} or {id, error} per case.
// CommonJS so that NODE_PATH can point at another node_modules when running outside tests/node.
"use strict";
const { c, processPermissions, reconstructPermissions, targetIntegrity } = require("zodiac-roles-sdk");

function scoping(node, type) {
  if (node === null || node === undefined) return undefined;
  const value = (v) => (/^(u?int)/.test(type) ? BigInt(v) : v);
  switch (node.op) {
    case "eq": return c.eq(value(node.value));
    case "or": return c.or(...node.parts.map((p) => scoping(p, type)));
    case "and": return c.and(...node.parts.map((p) => scoping(p, type)));
    case "lt": return c.lt(BigInt(node.value));
    case "lte": return c.lte(BigInt(node.value));
    case "gt": return c.gt(BigInt(node.value));
    case "gte": return c.gte(BigInt(node.value));
    default: throw new Error(`unknown op ${node.op}`);
  }
}

function peerPermissions(spec) {
  return spec.map((s) => {
    const base = { targetAddress: s.targetAddress, send: false, delegatecall: false };
    if (s.selector === null) return base;
    const permission = { ...base, selector: s.selector };
    if (s.scopings.some((x) => x !== null)) {
      permission.condition = c.calldataMatches(s.scopings.map((x, i) => scoping(x, s.abiTypes[i])), s.abiTypes);
    }
    return permission;
  });
}

const plain = (value) => JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)));

function processed(permissions) {
  const { targets } = processPermissions(permissions);
  targetIntegrity(targets);
  return targets;
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { cases } = JSON.parse(input);
  for (const item of cases) {
    try {
      const ours = processed(item.ours);
      const peer = processed(peerPermissions(item.spec));
      const roundTrip = processed(reconstructPermissions(ours));
      process.stdout.write(JSON.stringify({ id: item.id, ours: plain(ours), peer: plain(peer), roundTrip: plain(roundTrip) }) + "\n");
    } catch (err) {
      process.stdout.write(JSON.stringify({ id: item.id, error: String(err && err.stack || err) }) + "\n");
    }
  }
});
