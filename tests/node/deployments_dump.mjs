// Dumps what @safe-global/safe-deployments' public getter API returns for each contract and
// version, as JSON on stdout. tests/test_deployments_vs_npm.py compares it with the bundled
// decoders/data/safe_deployments.json (which is generated from the package's asset files, so
// this goes through a different path: the package's own lookup functions).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sd = require('@safe-global/safe-deployments');
const pkg = require('@safe-global/safe-deployments/package.json');

const GETTERS = [
  'getSafeSingletonDeployments', 'getSafeL2SingletonDeployments', 'getMultiSendDeployments',
  'getMultiSendCallOnlyDeployments', 'getSignMessageLibDeployments', 'getCreateCallDeployments',
  'getSafeMigrationDeployments', 'getSafeToL2MigrationDeployments', 'getSafeToL2SetupDeployments',
  'getCompatibilityFallbackHandlerDeployments', 'getExtensibleFallbackHandlerDeployments',
  'getTokenCallbackHandlerDeployments', 'getDefaultCallbackHandlerDeployments',
  'getProxyFactoryDeployments', 'getSimulateTxAccessorDeployments',
];
const VERSIONS = ['0.1.0', '1.0.0', '1.1.0', '1.1.1', '1.2.0', '1.3.0', '1.4.0', '1.4.1', '1.5.0'];

const seen = new Set();
const contracts = [];
for (const getter of GETTERS) {
  if (typeof sd[getter] !== 'function') continue;
  for (const version of VERSIONS) {
    // released: undefined disables the package's default "released only" filter.
    const d = sd[getter]({ version, released: undefined });
    if (!d || d.version !== version) continue;
    const key = `${d.contractName}@${d.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const addresses = {};
    for (const [type, info] of Object.entries(d.deployments)) addresses[type] = info.address;
    const networkAddresses = {};
    for (const [chain, value] of Object.entries(d.networkAddresses)) {
      networkAddresses[chain] = Array.isArray(value) ? value : [value];
    }
    contracts.push({ getter, name: d.contractName, version: d.version, released: d.released, addresses, networkAddresses });
  }
}
process.stdout.write(JSON.stringify({ package: pkg.name, version: pkg.version, contracts }));
