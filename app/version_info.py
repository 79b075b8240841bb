"""`coldsight --version [--verbose]`: the version and a bill of materials of what is bundled."""

from importlib import metadata

BOM_PACKAGES = (
    "eth-abi", "eth-hash", "eth-keys", "eth-utils", "eth-typing", "pycryptodome", "cbor2", "segno",
    "zxing-cpp", "opencv-python-headless", "numpy", "pillow", "PySide6-Essentials", "shiboken6",
    "pydantic", "parsimonious",
)


def version_text(verbose: bool = False) -> str:
    from .cli import VERSION

    lines = [f"coldsight {VERSION}"]
    if verbose:
        for name in BOM_PACKAGES:
            try:
                lines.append(f"  {name}=={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                lines.append(f"  {name}: not bundled")
    return "\n".join(lines)
