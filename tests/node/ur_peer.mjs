// Test peer for Coldsight's UR codec: Keystone's @keystonehq/bc-ur-registry-eth and
// @ngraveio/bc-ur, independent of Coldsight.
//
// Protocol: one JSON request on stdin, one JSON answer on stdout.
//   {"op": "make_sign_request", "signDataHex", "dataType", "hdPath", "xfp", "uuid", "chainId",
//    "address", "origin", "maxFragmentLength", "count"}
//     -> {"cborHex", "parts": [count texts from the registry's UR encoder]}
//   {"op": "make_bytes_ur", "cborHex", "type", "maxFragmentLength", "firstSeqNum", "count"}
//     -> {"parts": [...]}  (@ngraveio/bc-ur UREncoder over the given CBOR)
//   {"op": "make_signature", "signatureHex", "requestIdHex", "origin"}
//     -> {"cborHex", "parts": [the registry's UR text, upper case]}  (ETHSignature.toUREncoder)
//   {"op": "decode", "parts": [...]}
//     -> {"complete", "type", "cborHex", "signRequest"?: {...}, "signature"?: {...}}
//        decoded by @ngraveio/bc-ur URDecoder; registry items by the Keystone classes.

import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { UR, UREncoder, URDecoder } = require("@ngraveio/bc-ur");
const { EthSignRequest, ETHSignature, DataType } = require("@keystonehq/bc-ur-registry-eth");

function readStdin() {
  return new Promise((resolve) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => resolve(text));
  });
}

function hex(buffer) {
  return buffer === undefined || buffer === null ? null : Buffer.from(buffer).toString("hex");
}

function makeSignRequest(req) {
  const request = EthSignRequest.constructETHRequest(
    Buffer.from(req.signDataHex, "hex"),
    req.dataType ?? DataType.typedData,
    req.hdPath,
    req.xfp,
    req.uuid ?? undefined,
    req.chainId ?? undefined,
    req.address ?? undefined,
    req.origin ?? undefined,
  );
  const encoder = request.toUREncoder(req.maxFragmentLength);
  const parts = [];
  for (let i = 0; i < req.count; i++) parts.push(encoder.nextPart());
  return { cborHex: hex(request.toCBOR()), parts };
}

function makeBytesUr(req) {
  const ur = new UR(Buffer.from(req.cborHex, "hex"), req.type);
  const encoder = new UREncoder(ur, req.maxFragmentLength, req.firstSeqNum ?? 0);
  const parts = [];
  for (let i = 0; i < req.count; i++) parts.push(encoder.nextPart());
  return { parts };
}

function makeSignature(req) {
  const signature = new ETHSignature(
    Buffer.from(req.signatureHex, "hex"),
    req.requestIdHex ? Buffer.from(req.requestIdHex, "hex") : undefined,
    req.origin ?? undefined,
  );
  const encoder = signature.toUREncoder(1000);
  return { cborHex: hex(signature.toCBOR()), parts: [encoder.nextPart().toUpperCase()] };
}

function decode(req) {
  const decoder = new URDecoder();
  for (const part of req.parts) decoder.receivePart(part);
  if (!decoder.isComplete() || !decoder.isSuccess()) {
    return { complete: false, error: decoder.isError() ? String(decoder.resultError()) : null };
  }
  const ur = decoder.resultUR();
  const answer = { complete: true, type: ur.type, cborHex: hex(ur.cbor) };
  if (ur.type === "eth-sign-request") {
    const r = EthSignRequest.fromCBOR(ur.cbor);
    answer.signRequest = {
      requestIdHex: hex(r.getRequestId()),
      signDataHex: hex(r.getSignData()),
      dataType: r.getDataType(),
      chainId: r.getChainId() ?? null,
      path: r.getDerivationPath(),
      xfpHex: hex(r.getSourceFingerprint()),
      addressHex: hex(r.getSignRequestAddress()),
      origin: r.getOrigin() ?? null,
    };
  } else if (ur.type === "eth-signature") {
    const s = ETHSignature.fromCBOR(ur.cbor);
    answer.signature = {
      requestIdHex: hex(s.getRequestId()),
      signatureHex: hex(s.getSignature()),
      origin: s.getOrigin() ?? null,
    };
  }
  return answer;
}

const req = JSON.parse(await readStdin());
const ops = { make_sign_request: makeSignRequest, make_bytes_ur: makeBytesUr, make_signature: makeSignature, decode };
if (!ops[req.op]) {
  process.stderr.write(`unknown op ${req.op}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(ops[req.op](req)) + "\n");
