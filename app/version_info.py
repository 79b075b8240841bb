"""`coldsight --version [--verbose]`: the version and a bill of materials of what is bundled."""

from importlib import metadata

BOM_PACKAGES = (
    "eth-abi", "eth-hash", "eth-keys", "eth-utils", "eth-typing", "pycryptodome", "cbor2", "segno",
    "zxing-cpp", "opencv-python-headless", "numpy", "pillow", "PySide6-Essentials", "shiboken6",
    "pydantic", "parsimonious",
)

# Left out on purpose by a build (COLDSIGHT_OPENCV=0, packaging/README.md): what takes its place.
LEFT_OUT = {"opencv-python-headless": "left out (cameras through V4L2; video files: GIF and MJPEG AVI)"}


def version_text(verbose: bool = False) -> str:
    from .cli import VERSION

    lines = [f"coldsight {VERSION}"]
    if verbose:
        for name in BOM_PACKAGES:
            try:
                lines.append(f"  {name}=={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                lines.append(f"  {name}: {LEFT_OUT.get(name, 'not bundled')}")
    return "\n".join(lines)
