#!/usr/bin/env bash
# Build the installers (Linux).
#   bash packaging/build.sh small   the app without PyTorch: window, CLI, the default models on
#                                   ONNX Runtime (graphs exported here from their PyPI weights),
#                                   QtMultimedia and FFmpeg → a .tar.gz and a .deb
#   bash packaging/build.sh full    today's PyTorch build with the whole model zoo → a .tar.gz
# HNSWLIB_NO_NATIVE=1 makes a portable hnswlib (no -march=native) when it is built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-small}
export HNSWLIB_NO_NATIVE=1
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }; test "${PIPESTATUS[0]}" -eq 0; }
version=$(.venv/bin/python -c "import mediabrowser; print(mediabrowser.__version__)")
arch=$(uname -m)

# The graphs both builds ship, exported with the full environment and checked against PyTorch.
.venv/bin/python packaging/export_graphs.py build/onnx

case "$variant" in
  small)
    py=build/venv-small/bin/python
    if [ ! -x "$py" ] || [ packaging/requirements-small.txt -nt build/venv-small/.installed ] \
        || [ requirements.lock -nt build/venv-small/.installed ]; then
      echo "build: creating build/venv-small (no PyTorch)"
      rm -rf build/venv-small
      # The same interpreter as .venv's, so requirements.lock's wheels fit.
      "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv build/venv-small
      quiet $py -m pip install -q --disable-pip-version-check -r packaging/requirements-small.txt \
        -c requirements.lock
      quiet $py -m pip install -q --disable-pip-version-check -r packaging/requirements.txt
      touch build/venv-small/.installed
    fi
    dist=build/dist-small ;;
  full)
    py=.venv/bin/python
    quiet $py -m pip install -q --disable-pip-version-check -r packaging/requirements.txt
    dist=build/dist-full ;;
  *) echo "usage: build.sh small|full" >&2; exit 2 ;;
esac

# The venv's hnswlib may have been compiled for this very CPU (-march=native); the app must run
# on any x86-64, so rebuild it portable from source, bypassing pip's wheel cache.
hnsw=$($py -c 'import importlib.metadata as m; print(m.version("hnswlib"))')
quiet $py -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
  --no-cache-dir --no-binary hnswlib "hnswlib==$hnsw"

rm -rf "$dist" "build/work-$variant"
MB_VARIANT=$variant MB_GRAPHS="$PWD/build/onnx" $py -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "build/work-$variant" packaging/mediabrowser.spec
app=$dist/mediabrowser
if [ "$variant" = small ] && command -v strip >/dev/null; then
  # Debug symbols are a tenth of the small build. The libraries that wheels vendor in *.libs/
  # were rewritten by auditwheel's patchelf, and strip breaks those, so they are left alone.
  find "$app" -name "*.so*" -type f -not -path "*.libs/*" -exec strip --strip-unneeded {} + \
    2>/dev/null || true
fi
install -m 644 mediabrowser/resources/mediabrowser.desktop "$app/mediabrowser.desktop"
install -m 644 mediabrowser/resources/icons/mediabrowser.png "$app/mediabrowser.png"
cat > "$app/install-desktop-entry.sh" <<'SH'
#!/bin/sh
# Adds mediabrowser to the desktop's application menu for this user.
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HOME/.local/share/applications" "$HOME/.local/share/icons/hicolor/256x256/apps"
sed "s|^Exec=mediabrowser|Exec=\"$here/mediabrowser\"|" "$here/mediabrowser.desktop" \
  > "$HOME/.local/share/applications/mediabrowser.desktop"
cp "$here/mediabrowser.png" "$HOME/.local/share/icons/hicolor/256x256/apps/mediabrowser.png"
echo "mediabrowser added to your applications menu"
SH
chmod +x "$app/install-desktop-entry.sh"

suffix=$([ "$variant" = full ] && echo "-full" || echo "")
tarball="build/mediabrowser-${version}-linux-${arch}${suffix}.tar.gz"
tar -C "$dist" -cf - mediabrowser | gzip -6 > "$tarball"

if [ "$variant" = small ]; then
  # A .deb that installs into /opt, puts `mediabrowser` on PATH and the app into the menu.
  deb_arch=$(dpkg --print-architecture)
  root="build/deb/mediabrowser_${version}_${deb_arch}"
  rm -rf build/deb
  mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/usr/share/icons/hicolor/256x256/apps"
  cp -a "$app" "$root/opt/mediabrowser"
  rm "$root/opt/mediabrowser/install-desktop-entry.sh"
  ln -s /opt/mediabrowser/mediabrowser "$root/usr/bin/mediabrowser"
  install -m 644 mediabrowser/resources/mediabrowser.desktop \
    "$root/usr/share/applications/mediabrowser.desktop"
  install -m 644 mediabrowser/resources/icons/mediabrowser.png \
    "$root/usr/share/icons/hicolor/256x256/apps/mediabrowser.png"
  size_kb=$(du -sk "$root" | cut -f1)
  cat > "$root/DEBIAN/control" <<CTL
Package: mediabrowser
Version: ${version}
Section: graphics
Priority: optional
Architecture: ${deb_arch}
Installed-Size: ${size_kb}
Depends: libc6 (>= 2.31), libegl1, libgl1, libfontconfig1, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-xkb1, libdbus-1-3
Maintainer: mediabrowser developers <mediabrowser@users.noreply.github.com>
Homepage: https://github.com/mediabrowser/mediabrowser
Description: browse photos, videos and sounds by similarity, offline
 Drag a folder of photos, videos and recordings onto the window; right-click
 any item and choose "Find similar". Models run on ONNX Runtime on the CPU;
 nothing leaves the computer.
CTL
  cat > "$root/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q /usr/share/icons/hicolor || true
SH
  chmod 755 "$root/DEBIAN/postinst"
  dpkg-deb --root-owner-group -Zxz -z6 --build "$root" "build/mediabrowser_${version}_${deb_arch}.deb" >/dev/null
  rm -rf build/deb
  du -sh "build/mediabrowser_${version}_${deb_arch}.deb"
fi
du -sh "$app" "$tarball"
