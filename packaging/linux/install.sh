#!/bin/sh
# Install Coldsight from this unpacked tarball (no network needed).
#   sudo ./install.sh            -> /opt/coldsight, /usr/local/bin/coldsight, desktop entry
#   ./install.sh --user          -> ~/.local/opt/coldsight, ~/.local/bin/coldsight, desktop entry
#   ./install.sh --uninstall [--user]
# Verify the tarball against SHA256SUMS (from trusted media) before running this.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=system ACTION=install
for arg in "$@"; do
  case "$arg" in
    --user) MODE=user ;;
    --uninstall) ACTION=uninstall ;;
    *) echo "usage: $0 [--user] [--uninstall]" >&2; exit 64 ;;
  esac
done
if [ "$MODE" = user ]; then
  PREFIX=${COLDSIGHT_PREFIX:-$HOME/.local/opt/coldsight}
  BINDIR=${COLDSIGHT_BINDIR:-$HOME/.local/bin}
  APPDIR=${COLDSIGHT_APPDIR:-${XDG_DATA_HOME:-$HOME/.local/share}/applications}
else
  PREFIX=${COLDSIGHT_PREFIX:-/opt/coldsight}
  BINDIR=${COLDSIGHT_BINDIR:-/usr/local/bin}
  APPDIR=${COLDSIGHT_APPDIR:-/usr/local/share/applications}
fi
if [ "$ACTION" = uninstall ]; then
  rm -rf "$PREFIX" "$BINDIR/coldsight" "$APPDIR/coldsight.desktop"
  echo "Coldsight removed from $PREFIX"
  exit 0
fi
(cd "$HERE/coldsight" && sha256sum --quiet --check ../coldsight.files.sha256) || {
  echo "install.sh: the unpacked files do not match coldsight.files.sha256; not installing" >&2; exit 1; }
mkdir -p "$(dirname "$PREFIX")" "$BINDIR" "$APPDIR"
rm -rf "$PREFIX.new"
cp -R "$HERE/coldsight" "$PREFIX.new"
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"
ln -sf "$PREFIX/coldsight" "$BINDIR/coldsight"
sed "s|^Exec=coldsight |Exec=$PREFIX/coldsight |" "$HERE/coldsight.desktop" > "$APPDIR/coldsight.desktop"
"$PREFIX/coldsight" --version
echo "Installed into $PREFIX; run: coldsight verify FILE  or  coldsight gui"
