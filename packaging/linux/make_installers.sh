#!/usr/bin/env bash
# Pack a frozen one-folder app into the Linux installers, deterministically:
#   make_installers.sh APP_DIR VERSION WORK_DIR OUT_DIR
# -> OUT_DIR/coldsight_VERSION_amd64.deb          (/opt/coldsight, /usr/bin/coldsight, .desktop)
#    OUT_DIR/coldsight-VERSION-linux-x86_64.tar.gz (install.sh, .desktop, per-file SHA-256 list)
# File times are clamped to SOURCE_DATE_EPOCH, owners are root, entries are sorted.
set -euo pipefail
APP=$1 VERSION=$2 WORK=$3 OUT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH}"
umask 022
rm -rf "$WORK" && mkdir -p "$WORK" "$OUT"

normalise() {  # fixed permissions and times for everything under $1
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -type f -exec chmod u+rw,go+r,go-w {} +
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# --- .deb ------------------------------------------------------------------------------
DEB=$WORK/deb
mkdir -p "$DEB/DEBIAN" "$DEB/opt" "$DEB/usr/bin" "$DEB/usr/share/applications" "$DEB/usr/share/doc/coldsight"
cp -R "$APP" "$DEB/opt/coldsight"
ln -s /opt/coldsight/coldsight "$DEB/usr/bin/coldsight"
cp "$HERE/coldsight.desktop" "$DEB/usr/share/applications/coldsight.desktop"
(cd "$DEB/opt/coldsight" && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum) \
  > "$DEB/usr/share/doc/coldsight/files.sha256"
SIZE_KB=$(du -sk --apparent-size "$DEB" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@SIZE_KB@/$SIZE_KB/" "$HERE/control.in" > "$DEB/DEBIAN/control"
normalise "$DEB"
# gzip: deterministic and single-threaded (xz's output depends on the thread count).
dpkg-deb --root-owner-group -Zgzip -z6 --build "$DEB" "$OUT/coldsight_${VERSION}_amd64.deb" >/dev/null

# --- tarball with install script -------------------------------------------------------
NAME=coldsight-$VERSION-linux-x86_64
TREE=$WORK/tar/$NAME
mkdir -p "$TREE"
cp -R "$APP" "$TREE/coldsight"
cp "$HERE/install.sh" "$HERE/coldsight.desktop" "$TREE/"
cp "$DEB/usr/share/doc/coldsight/files.sha256" "$TREE/coldsight.files.sha256"
normalise "$WORK/tar"
tar -C "$WORK/tar" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  --format=gnu -cf - "$NAME" | gzip -n -6 > "$OUT/$NAME.tar.gz"
