// Test peer: SafeTx EIP-712 hashes from two implementations independent of Coldsight.
//
//   (a) ethers v6 TypedDataEncoder, with the type layout of each Safe version written out here;
//   (b) @safe-global/protocol-kit's offline helpers: generateTypedData (its own types and domain
//       per version) and calculateSafeTransactionHash. Protocol-kit exposes no domain/struct hash,
//       so those two come from viem (the library protocol-kit hashes with) over protocol-kit's
//       own typed data.
//
// Protocol: one JSON object per stdin line
//   {"id": any, "chainId": "decimal string"|null, "safe": "0x..", "version": "1.3.0+L2",
//    "tx": {"to","value","data","operation","safeTxGas","baseGas","gasPrice","gasToken","refundReceiver","nonce"}}
// (numbers as decimal strings), one JSON object per stdout line, in the same order:
//   {"id", "ethers": {"domain","message","safeTx"}, "protocolKit": {...} | {"unsupported": reason}}
// or {"id", "error": message} when a line cannot be hashed.

import { createInterface } from "node:readline";
import { TypedDataEncoder } from "ethers";
import { calculateSafeTransactionHash, generateTypedData } from "@safe-global/protocol-kit";
import { hashDomain, hashStruct } from "viem";

const SAFE_TX_FIELDS = ["to", "value", "data", "operation", "safeTxGas", "GAS", "gasPrice", "gasToken", "refundReceiver", "nonce"];
const SAFE_TX_TYPES = {
  to: "address", value: "uint256", data: "bytes", operation: "uint8", safeTxGas: "uint256", GAS: "uint256",
  gasPrice: "uint256", gasToken: "address", refundReceiver: "address", nonce: "uint256",
};

function versionKey(version) {
  return version.split("+")[0].split(".").map(Number);
}

function atLeast(version, floor) {
  const [a, b] = [versionKey(version), versionKey(floor)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

// Safe renamed dataGas to baseGas in 1.0.0 and added chainId to the domain in 1.3.0.
// JSON numbers above 2**53 arrive already rounded; refuse them rather than hash the wrong chain.
function chainIdOf(request) {
  const raw = request.chainId;
  if (raw === null || raw === undefined) {
    if (atLeast(request.version, "1.3.0")) throw new Error(`Safe ${request.version} hashes need a chainId`);
    return undefined;
  }
  if (typeof raw === "number" && !Number.isSafeInteger(raw)) throw new Error("chainId above 2**53: send it as a string");
  return BigInt(raw);
}

function ethersHashes(request) {
  const gasField = atLeast(request.version, "1.0.0") ? "baseGas" : "dataGas";
  const types = {
    SafeTx: SAFE_TX_FIELDS.map((name) => ({ name: name === "GAS" ? gasField : name, type: SAFE_TX_TYPES[name] })),
  };
  const domain = { verifyingContract: request.safe };
  if (atLeast(request.version, "1.3.0")) domain.chainId = chainIdOf(request);
  const message = { ...request.tx, [gasField]: request.tx.baseGas };
  return {
    domain: TypedDataEncoder.hashDomain(domain),
    message: TypedDataEncoder.hashStruct("SafeTx", types, message),
    safeTx: TypedDataEncoder.hash(domain, types, message),
  };
}

function protocolKitHashes(request) {
  // getEip712TxTypes in protocol-kit 8 always names the field baseGas, so 0.1.0 (dataGas) is out of reach.
  if (!atLeast(request.version, "1.0.0")) {
    return { unsupported: "protocol-kit has no dataGas layout (Safe < 1.0.0)" };
  }
  const safeVersion = request.version.split("+")[0];
  const chainId = chainIdOf(request);
  const tx = request.tx;
  const txData = {
    to: tx.to, value: tx.value, data: tx.data, operation: tx.operation, safeTxGas: tx.safeTxGas,
    baseGas: tx.baseGas, gasPrice: tx.gasPrice, gasToken: tx.gasToken, refundReceiver: tx.refundReceiver,
    nonce: tx.nonce,
  };
  const typedData = generateTypedData({ safeAddress: request.safe, safeVersion, chainId, data: txData });
  const numeric = { ...typedData.message };
  for (const key of ["value", "safeTxGas", "baseGas", "gasPrice", "nonce"]) numeric[key] = BigInt(numeric[key]);
  return {
    domain: hashDomain({ domain: typedData.domain, types: typedData.types }),
    message: hashStruct({ data: numeric, primaryType: "SafeTx", types: typedData.types }),
    safeTx: calculateSafeTransactionHash(request.safe, numeric, safeVersion, chainId),
  };
}

function answer(line) {
  let id = null;
  try {
    const request = JSON.parse(line);
    id = request.id ?? null;
    return { id, ethers: ethersHashes(request), protocolKit: protocolKitHashes(request) };
  } catch (error) {
    return { id, error: String(error && error.message ? error.message : error) };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (line.trim() === "") continue;
  out.push(JSON.stringify(answer(line)));
}
// One write at the end: the caller sends the whole batch and reads everything back.
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
