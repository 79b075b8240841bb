// Regenerates decoders/data/safe_deployments.json from the @safe-global/safe-deployments npm
// package installed in tests/node/node_modules (the single source of these facts).
//
//   node tools/gen_deployments.mjs            # writes the file
//   node tools/gen_deployments.mjs --check    # exits 1 if the bundled file differs (ignoring the date)
//
// Only addresses, deployment types and chain lists are kept; bytecode hashes and ABIs are left
// out because the app bundles this file and never needs them.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(repoRoot, 'tests', 'node', 'node_modules', '@safe-global', 'safe-deployments');
const assetsDir = join(packageDir, 'dist', 'assets');
const outFile = join(repoRoot, 'decoders', 'data', 'safe_deployments.json');

// Every contract name we expect; an unknown one (a new package release) stops generation so
// someone decides how Coldsight should classify it instead of it slipping in unnoticed.
const KNOWN_CONTRACTS = new Set([
  'MultiSendCallOnly', 'MultiSend', 'SignMessageLib', 'CreateCall', 'SafeMigration',
  'GnosisSafe', 'Safe', 'GnosisSafeL2', 'SafeL2',
  'CompatibilityFallbackHandler', 'DefaultCallbackHandler', 'TokenCallbackHandler',
  'ExtensibleFallbackHandler', 'ProxyFactory', 'GnosisSafeProxyFactory', 'SafeProxyFactory',
  'SimulateTxAccessor', 'SafeToL2Migration', 'SafeToL2Setup',
]);
const ADDRESS_TYPES = ['canonical', 'eip155', 'zksync'];

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  }
  return 0;
}

// networkAddresses maps chain id -> type or [types]; we invert it to type -> sorted chain ids.
function chainsByType(networkAddresses) {
  const byType = {};
  for (const [chainId, types] of Object.entries(networkAddresses)) {
    for (const type of Array.isArray(types) ? types : [types]) {
      if (!ADDRESS_TYPES.includes(type)) throw new Error(`unknown address type ${type} on chain ${chainId}`);
      (byType[type] ??= []).push(Number(chainId));
    }
  }
  const ordered = {};
  for (const type of ADDRESS_TYPES) if (byType[type]) ordered[type] = byType[type].sort((x, y) => x - y);
  return ordered;
}

function build() {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const networkTables = new Map(); // serialized table -> id, so identical chain lists are stored once
  const contracts = [];
  const versionDirs = readdirSync(assetsDir).filter((d) => /^v\d+\.\d+\.\d+$/.test(d));
  versionDirs.sort((a, b) => compareVersions(a.slice(1), b.slice(1)));
  for (const versionDir of versionDirs) {
    for (const file of readdirSync(join(assetsDir, versionDir)).filter((f) => f.endsWith('.json')).sort()) {
      const asset = JSON.parse(readFileSync(join(assetsDir, versionDir, file), 'utf8'));
      if (!KNOWN_CONTRACTS.has(asset.contractName)) {
        throw new Error(`${versionDir}/${file}: unclassified contract ${asset.contractName}; add it to KNOWN_CONTRACTS and decoders/deployments.py`);
      }
      const addresses = {};
      for (const type of ADDRESS_TYPES) {
        if (asset.deployments[type]) addresses[type] = asset.deployments[type].address;
      }
      const table = JSON.stringify(chainsByType(asset.networkAddresses));
      if (!networkTables.has(table)) networkTables.set(table, `n${networkTables.size + 1}`);
      contracts.push({
        name: asset.contractName,
        version: asset.version,
        released: asset.released,
        addresses,
        networks: networkTables.get(table),
      });
    }
  }
  const networks = {};
  for (const [table, id] of networkTables) networks[id] = JSON.parse(table);
  const generated = new Date().toISOString().slice(0, 10);
  return {
    source: `npm ${pkg.name}@${pkg.version} (dist/assets), generated ${generated} by tools/gen_deployments.mjs`,
    package: { name: pkg.name, version: pkg.version },
    generated,
    contracts,
    networks,
  };
}

// One contract per line and one chain table per line: compact but still diffable.
function serialize(data) {
  const lines = ['{'];
  lines.push(`  "source": ${JSON.stringify(data.source)},`);
  lines.push(`  "package": ${JSON.stringify(data.package)},`);
  lines.push(`  "generated": ${JSON.stringify(data.generated)},`);
  lines.push('  "contracts": [');
  data.contracts.forEach((c, i) => lines.push(`    ${JSON.stringify(c)}${i < data.contracts.length - 1 ? ',' : ''}`));
  lines.push('  ],');
  lines.push('  "networks": {');
  const ids = Object.keys(data.networks);
  ids.forEach((id, i) => lines.push(`    ${JSON.stringify(id)}: ${JSON.stringify(data.networks[id])}${i < ids.length - 1 ? ',' : ''}`));
  lines.push('  }');
  lines.push('}');
  return lines.join('\n') + '\n';
}

const data = build();
if (process.argv.includes('--check')) {
  if (!existsSync(outFile)) { console.error(`${outFile} is missing`); process.exit(1); }
  const bundled = JSON.parse(readFileSync(outFile, 'utf8'));
  const strip = (d) => JSON.stringify({ ...d, source: undefined, generated: undefined });
  if (strip(bundled) !== strip(data)) { console.error('bundled deployments differ from the installed package; regenerate'); process.exit(1); }
  console.log('bundled deployments match the installed package');
} else {
  writeFileSync(outFile, serialize(data));
  console.log(`wrote ${data.contracts.length} contracts, ${Object.keys(data.networks).length} chain tables to ${outFile}`);
}
