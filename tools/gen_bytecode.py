"""Regenerate decoders/data/bytecode/safe_bytecode.json from the Safe contracts' npm packages.

    .venv/bin/python tools/gen_bytecode.py --safe-repo DIR            # write the files
    .venv/bin/python tools/gen_bytecode.py --safe-repo DIR --check    # exit 1 if a bundled file differs

Packages come from the npm registry (`npm pack`), compilers from npm (`solc`); DIR is a git clone of
github.com/safe-global/safe-smart-account (one library is only reproducible from a tag there).

Each entry keeps the package, version and artifact path it came from. Runtime code is kept
where the artifact's `deployedBytecode` is what the chain holds; contracts with immutables
(MultiSend >= 1.3.0 stores its own address) keep their creation code instead, which the EVM
oracle deploys at the contract's address to obtain the deployed runtime code.

Whether the bundled code equals the deployed code is checked by tests/evm/test_bytecode_hashes.py
against the codeHash values of @safe-global/safe-deployments; artifacts known NOT to match are
left out here (see SKIPPED) so the oracle never runs code that is not on chain.
"""

import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAFE_REPO = sys.argv[sys.argv.index("--safe-repo") + 1] if "--safe-repo" in sys.argv else None
OUT = ROOT / "decoders" / "data" / "bytecode" / "safe_bytecode.json"
# Test-only: the proxy factories (runtime code), so a test can create a proxy the way the chain
# does and compare it with the bundled proxy code (safe-deployments lists no proxy codeHash).
FACTORIES_OUT = ROOT / "tests" / "evm" / "proxy_factories.json"

GNOSIS = "@gnosis.pm/safe-contracts"
SAFE_GLOBAL = "@safe-global/safe-contracts"
SMART_ACCOUNT = "@safe-global/safe-smart-account"
TRUFFLE = "build/contracts/{name}.json"
HARDHAT = "build/artifacts/contracts/{folder}{name}.sol/{name}.json"

# (package, package version, Safe version, contract name, kind, artifact path, form)
# kind: singleton | singleton_l2 | proxy | library.
# form: runtime | creation | compile (the package's Etherscan input) | compile-tag (a safe-smart-account tag).
ENTRIES = [
    (GNOSIS, "1.1.1", "1.1.1", "GnosisSafe", "singleton", TRUFFLE, "runtime"),
    (GNOSIS, "1.1.1", "1.1.1", "Proxy", "proxy", TRUFFLE, "runtime"),
    (GNOSIS, "1.1.1", "1.1.1", "MultiSend", "library", TRUFFLE, "runtime"),
    (GNOSIS, "1.2.0", "1.2.0", "GnosisSafe", "singleton", "build/meta/GnosisSafeEtherscan.json", "compile"),
    (GNOSIS, "1.3.0", "1.3.0", "GnosisSafe", "singleton", HARDHAT.replace("{folder}", ""), "runtime"),
    (GNOSIS, "1.3.0", "1.3.0", "GnosisSafeL2", "singleton_l2", HARDHAT.replace("{folder}", ""), "runtime"),
    (GNOSIS, "1.3.0", "1.3.0", "GnosisSafeProxy", "proxy", HARDHAT.replace("{folder}", "proxies/"), "runtime"),
    (GNOSIS, "1.3.0", "1.3.0", "MultiSend", "library", HARDHAT.replace("{folder}", "libraries/"), "creation"),
    (GNOSIS, "1.3.0", "1.3.0", "MultiSendCallOnly", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (GNOSIS, "1.3.0", "1.3.0", "CreateCall", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (GNOSIS, "1.3.0", "1.3.0", "SignMessageLib", "library",
     "contracts/libraries/SignMessageLib.sol:SignMessageLib@v1.3.0-libs.0", "compile-tag"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "Safe", "singleton", HARDHAT.replace("{folder}", ""), "runtime"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "SafeL2", "singleton_l2", HARDHAT.replace("{folder}", ""), "runtime"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "SafeProxy", "proxy", HARDHAT.replace("{folder}", "proxies/"), "runtime"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "MultiSend", "library", HARDHAT.replace("{folder}", "libraries/"), "creation"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "MultiSendCallOnly", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "CreateCall", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "SignMessageLib", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "Safe", "singleton", HARDHAT.replace("{folder}", ""), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "SafeL2", "singleton_l2", HARDHAT.replace("{folder}", ""), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "SafeProxy", "proxy", HARDHAT.replace("{folder}", "proxies/"), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "MultiSend", "library", HARDHAT.replace("{folder}", "libraries/"), "creation"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "MultiSendCallOnly", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "CreateCall", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "SignMessageLib", "library", HARDHAT.replace("{folder}", "libraries/"), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "SafeMigration", "library", HARDHAT.replace("{folder}", "libraries/"), "creation"),
]

# Constructor arguments (canonical addresses from the bundled safe-deployments data), appended to
# the creation code: SafeMigration(safeSingleton, safeL2Singleton, fallbackHandler).
CONSTRUCTOR_ARGS = {
    ("SafeMigration", "1.5.0"): [("Safe", "1.5.0"), ("SafeL2", "1.5.0"), ("CompatibilityFallbackHandler", "1.5.0")],
}

FACTORIES = [
    (GNOSIS, "1.1.1", "1.1.1", "ProxyFactory", "proxy_factory", TRUFFLE, "runtime"),
    (GNOSIS, "1.3.0", "1.3.0", "GnosisSafeProxyFactory", "proxy_factory", HARDHAT.replace("{folder}", "proxies/"), "runtime"),
    (SAFE_GLOBAL, "1.4.1", "1.4.1", "SafeProxyFactory", "proxy_factory", HARDHAT.replace("{folder}", "proxies/"), "runtime"),
    (SMART_ACCOUNT, "1.5.0", "1.5.0", "SafeProxyFactory", "proxy_factory", HARDHAT.replace("{folder}", "proxies/"), "runtime"),
]

# Artifacts whose code is NOT what safe-deployments says is deployed (keccak differs), so not bundled.
SKIPPED = {
    "GnosisSafe 1.0.0": f"{GNOSIS}@1.0.0 build/contracts/GnosisSafe.json deployedBytecode hashes to 0x975d3730…, "
                        "deployed codeHash is 0xe1f1593d… (same in safe-eth-py's GnosisSafe_V1_0_0.json)",
    "GnosisSafe 1.2.0 artifact": f"{GNOSIS}@1.2.0 build/contracts/GnosisSafe.json deployedBytecode does not hash to "
                                 "the deployed codeHash 0x2ae2d123…; the package's build/meta Etherscan input, "
                                 "compiled with solc 0.5.17, does (form 'compiled')",
    "SignMessageLib 1.3.0 artifact": f"{GNOSIS}@1.3.0 SignMessageLib artifact (contracts/examples/libraries) does not "
                                     "hash to the deployed codeHash 0x3ac65dea…; the safe-smart-account tag "
                                     "v1.3.0-libs.0 source, compiled with the package's settings, does",
    "SafeMigration 1.4.1": f"{SMART_ACCOUNT}@1.5.0 SafeMigration with the 1.4.1 singletons and handler as constructor "
                           "arguments does not hash to the deployed codeHash 0xc00d7921… (built from other sources); "
                           "no 1.4.1 package ships SafeMigration",
    "0.1.0": "no codeHash to check against in safe-deployments; not bundled",
}


def _pack(spec: str, workdir: Path) -> Path:
    """Download one package tarball with npm (the registry's ordinary client) and unpack it."""
    name = subprocess.run(["npm", "pack", "--silent", spec], cwd=workdir, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    target = workdir / name.removesuffix(".tgz")
    with tarfile.open(workdir / name) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


# Compiles a standard-JSON input file with solc-js and prints the target's runtime code.
SOLC_JS = """
const solc = require('solc'); const fs = require('fs');
const input = JSON.parse(fs.readFileSync(process.argv[2])); const [file, name] = process.argv.slice(3);
input.settings.outputSelection = {'*': {'*': ['evm.deployedBytecode.object']}};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors || []) if (e.severity === 'error') { console.error(e.formattedMessage); process.exit(1); }
console.log('0x' + out.contracts[file][name].evm.deployedBytecode.object);
"""
IMPORT = re.compile(r'^import\s+"([^"]+)";', re.M)


def _solc(version: str, standard_input: dict, file: str, name: str, tmp: str) -> str:
    solc_dir = Path(tmp) / f"solc-{version}"
    if not solc_dir.exists():
        solc_dir.mkdir()
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", f"solc@{version}"], cwd=solc_dir, check=True)
        (solc_dir / "compile.js").write_text(SOLC_JS)
    (solc_dir / "input.json").write_text(json.dumps(standard_input))
    return subprocess.run(["node", "compile.js", "input.json", file, name], cwd=solc_dir,
                          check=True, capture_output=True, text=True).stdout.strip()


def _compile_etherscan_input(package_dir: Path, input_path: str, tmp: str) -> tuple[str, str]:
    """A package's Etherscan standard-JSON input, with the settings of the metadata file next to it."""
    meta_path = package_dir / input_path.replace("Etherscan.json", "Meta.json")
    meta = json.loads(meta_path.read_text())
    standard_input = json.loads((package_dir / input_path).read_text())
    standard_input["settings"] = {"evmVersion": meta["settings"]["evmVersion"], "optimizer": meta["settings"]["optimizer"]}
    [(file, name)] = meta["settings"]["compilationTarget"].items()
    version = meta["compiler"]["version"].split("+")[0]
    return _solc(version, standard_input, file, name, tmp), f"compiled with npm solc@{version}, settings from {meta_path.name}"


def _compile_from_tag(package_dir: Path, target: str, tmp: str) -> tuple[str, str]:
    """`target` is "<file>:<contract>@<tag>": the file and its imports at that safe-smart-account tag
    (from --safe-repo, a git directory), with the settings of the package's solc 0.7.6 build-info."""
    if SAFE_REPO is None:
        raise SystemExit(f"{target} needs --safe-repo DIR (a git clone of github.com/safe-global/safe-smart-account)")
    location, tag = target.split("@")
    file, name = location.split(":")
    sources: dict[str, dict] = {}
    pending = [file]
    while pending:
        path = pending.pop()
        if path in sources:
            continue
        text = subprocess.run(["git", "-C", SAFE_REPO, "show", f"{tag}:{path}"], check=True, capture_output=True,
                              text=True).stdout
        sources[path] = {"content": text}
        pending += [os.path.normpath(os.path.join(os.path.dirname(path), imported)) for imported in IMPORT.findall(text)]
    infos = [json.loads(p.read_text()) for p in (package_dir / "build/artifacts/build-info").glob("*.json")]
    [info] = [i for i in infos if i["solcVersion"] == "0.7.6"]
    settings = {k: v for k, v in info["input"]["settings"].items() if k != "outputSelection"}
    code = _solc("0.7.6", {"language": "Solidity", "sources": sources, "settings": settings}, file, name, tmp)
    return code, (f"compiled with npm solc@0.7.6 from safe-smart-account tag {tag} {file} and its imports, "
                  "settings from the package's build-info")


def _collect(entries: list, packages: dict[str, Path], tmp: str) -> list[dict]:
    contracts = []
    for package, package_version, version, name, kind, path_pattern, form in entries:
        spec = f"{package}@{package_version}"
        if spec not in packages:
            packages[spec] = _pack(spec, Path(tmp))
        path = path_pattern.format(name=name)
        entry = {"name": name, "version": version, "kind": kind, "package": spec, "path": path, "form": form}
        if form in ("compile", "compile-tag"):
            compile_one = _compile_etherscan_input if form == "compile" else _compile_from_tag
            code, how = compile_one(packages[spec], path, tmp)
            entry |= {"form": "runtime", "built": how}
        else:
            code = json.loads((packages[spec] / path).read_text())["deployedBytecode" if form == "runtime" else "bytecode"]
        if not (isinstance(code, str) and code.startswith("0x") and len(code) > 2):
            raise SystemExit(f"{spec} {path}: no {form} code")
        if (name, version) in CONSTRUCTOR_ARGS:
            labels = CONSTRUCTOR_ARGS[(name, version)]
            entry["args"] = "0x" + "".join(_canonical(*label).rjust(64, "0") for label in labels)
            entry["argsSource"] = "canonical addresses (safe-deployments) of " + ", ".join(" ".join(x) for x in labels)
        contracts.append(entry | {"code": code.lower()})
    return contracts


def _canonical(name: str, version: str) -> str:
    sys.path.insert(0, str(ROOT))
    from decoders.deployments import by_label

    [contract] = [c for c in by_label(name, version) if c.deployment_type == "canonical"]
    return contract.address[2:].lower()


def build() -> tuple[dict, dict]:
    packages: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        contracts = _collect(ENTRIES, packages, tmp)
        factories = _collect(FACTORIES, packages, tmp)
    source = "npm Safe contract packages (see each entry's package/path), generated by tools/gen_bytecode.py"
    return ({"source": source, "skipped": SKIPPED, "contracts": contracts},
            {"source": source, "skipped": {}, "contracts": factories})


def _render(data: dict) -> str:
    lines = ["{",
             f'  "source": {json.dumps(data["source"])},',
             f'  "skipped": {json.dumps(data["skipped"], indent=4).replace(chr(10) + "}", chr(10) + "  }")},',
             '  "contracts": [']
    lines += [f"    {json.dumps(c)}{',' if i < len(data['contracts']) - 1 else ''}" for i, c in enumerate(data["contracts"])]
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def main() -> int:
    data, factories = build()
    outputs = {OUT: _render(data), FACTORIES_OUT: _render(factories)}
    if "--check" in sys.argv:
        stale = [str(path) for path, text in outputs.items() if not path.exists() or path.read_text() != text]
        print("up to date" if not stale else f"differ from the packages: {', '.join(stale)}")
        return 0 if not stale else 1
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
