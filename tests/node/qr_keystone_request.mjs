// Test peer for Coldsight's QR transport: a Safe transaction as a multipart
// `ur:eth-sign-request`, made entirely by Keystone's @keystonehq/bc-ur-registry-eth (UR encoding
// by @ngraveio/bc-ur), plus the safeTxHash as ethers v6 computes it from the same typed data.
//
// stdin:  {"tx": <Safe Transaction Service-style JSON with safe, chainId, safeVersion, ...>,
//          "maxFragmentLength": 200, "count": 40}
// stdout: {"parts": [count UR texts], "typedData": {...}, "safeTxHash": "0x…"}
//
// The typed data is built here from the SafeTx layouts of Safe.sol (not by Coldsight):
// chainId in the domain from Safe 1.3.0, dataGas instead of baseGas before 1.0.0.

import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { EthSignRequest, DataType } = require("@keystonehq/bc-ur-registry-eth");
const { TypedDataEncoder } = require("ethers");

function readStdin() {
  return new Promise((resolve) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => resolve(text));
  });
}

function versionAtLeast(version, wanted) {
  const a = version.split("+")[0].split(".").map(Number);
  const b = wanted.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

function safeTypedData(tx) {
  const withChain = versionAtLeast(tx.safeVersion, "1.3.0");
  const gasKey = versionAtLeast(tx.safeVersion, "1.0.0") ? "baseGas" : "dataGas";
  const domainType = withChain
    ? [{ name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }]
    : [{ name: "verifyingContract", type: "address" }];
  const domain = withChain ? { chainId: String(tx.chainId), verifyingContract: tx.safe } : { verifyingContract: tx.safe };
  const safeTx = [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: gasKey, type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ];
  const message = {
    to: tx.to,
    value: String(tx.value),
    data: tx.data,
    operation: tx.operation,
    safeTxGas: String(tx.safeTxGas),
    [gasKey]: String(tx.baseGas ?? tx.dataGas),
    gasPrice: String(tx.gasPrice),
    gasToken: tx.gasToken,
    refundReceiver: tx.refundReceiver,
    nonce: String(tx.nonce),
  };
  return { types: { EIP712Domain: domainType, SafeTx: safeTx }, primaryType: "SafeTx", domain, message };
}

const request = JSON.parse(await readStdin());
const typedData = safeTypedData(request.tx);
const { EIP712Domain, ...types } = typedData.types;
const safeTxHash = TypedDataEncoder.hash(typedData.domain, types, typedData.message);

const signRequest = EthSignRequest.constructETHRequest(
  Buffer.from(JSON.stringify(typedData), "utf8"),
  DataType.typedData,
  "m/44'/60'/0'/0/0",
  "f23f9fd2",
  "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
  versionAtLeast(request.tx.safeVersion, "1.3.0") ? Number(request.tx.chainId) : undefined,
  undefined,
  "Safe{Wallet}",
);
const encoder = signRequest.toUREncoder(request.maxFragmentLength);
const parts = [];
for (let i = 0; i < request.count; i++) parts.push(encoder.nextPart().toUpperCase());
process.stdout.write(JSON.stringify({ parts, typedData, safeTxHash }));
