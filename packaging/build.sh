#!/usr/bin/env bash
# Build the one-folder app and a .tar.gz with a .desktop launcher and icon (Linux).
# HNSWLIB_NO_NATIVE=1 makes a portable hnswlib (no -march=native) when it is built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
export HNSWLIB_NO_NATIVE=1
.venv/bin/python -m pip install -q --disable-pip-version-check -r packaging/requirements.txt 2>&1 \
  | { grep -v "^WARNING: Location '.*' is ignored" || true; }
# The venv's hnswlib may have been compiled for this very CPU (-march=native); the app must run
# on any x86-64, so rebuild it portable from source, bypassing pip's wheel cache.
.venv/bin/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
  --no-cache-dir --no-binary hnswlib "hnswlib==$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("hnswlib"))')" 2>&1 \
  | { grep -v "^WARNING: Location '.*' is ignored" || true; }
rm -rf build/dist/mediabrowser build/work
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/work \
  packaging/mediabrowser.spec
app=build/dist/mediabrowser
install -m 644 mediabrowser/resources/mediabrowser.desktop "$app/mediabrowser.desktop"
install -m 644 mediabrowser/resources/icons/mediabrowser.png "$app/mediabrowser.png"
cat > "$app/install-desktop-entry.sh" <<'SH'
#!/bin/sh
# Adds mediabrowser to the desktop's application menu for this user.
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HOME/.local/share/applications" "$HOME/.local/share/icons/hicolor/256x256/apps"
sed "s|^Exec=mediabrowser|Exec=$here/mediabrowser|" "$here/mediabrowser.desktop" \
  > "$HOME/.local/share/applications/mediabrowser.desktop"
cp "$here/mediabrowser.png" "$HOME/.local/share/icons/hicolor/256x256/apps/mediabrowser.png"
echo "mediabrowser added to your applications menu"
SH
chmod +x "$app/install-desktop-entry.sh"
version=$(.venv/bin/python -c "import mediabrowser; print(mediabrowser.__version__)")
tarball="build/mediabrowser-${version}-linux-$(uname -m).tar.gz"
tar -C build/dist -cf - mediabrowser | gzip -1 > "$tarball"
du -sh "$app" "$tarball"
