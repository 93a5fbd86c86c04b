#!/usr/bin/env bash
# Smoke-test the built installers as a user would: each unpacked afresh, no venv on PATH, an
# empty HOME, offscreen. Prints, per build: unpacked and compressed size, what dominates, the
# smoke test (window, indexing photos + a video + a recording, Find Similar, the engines) and
# the cold start to the first window. The .deb is checked and unpacked the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "import mediabrowser; print(mediabrowser.__version__)" 2>/dev/null \
  || sed -n 's/^__version__ = "\(.*\)"/\1/p' mediabrowser/__init__.py)
found=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

size_of() { echo "$(du -sh "$1" | cut -f1)iB, $(( $(stat -c %s "$1") / 1000000 )) MB"; }

run_app() {  # run_app LABEL APP_DIR
  local label=$1 dir=$2 home
  home=$(mktemp -d -p "$scratch")
  echo "== $label"
  echo "unpacked: $(du -sh "$dir" | cut -f1)iB ($(du -s --block-size=1000000 "$dir" | cut -f1) MB)"
  echo "largest parts:"
  # (awk reads all its input: with head, sort could die of SIGPIPE under pipefail)
  du -s "$dir"/_internal/* 2>/dev/null | sort -rn \
    | awk 'NR <= 6 {printf "  %6.0f MiB  %s\n", $1/1024, $2}' | sed "s|$dir/_internal/||"
  env -i HOME="$home" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 \
    MEDIABROWSER_LAUNCHED_AT="$(date +%s.%N)" "$dir/mediabrowser" --smoke-test
  # Cold start of the command line: the time to an answer, with an empty HOME.
  local c0 c1
  c0=$(date +%s.%N)
  env -i HOME="$home" PATH=/usr/bin:/bin "$dir/mediabrowser" --version >/dev/null
  c1=$(date +%s.%N)
  echo "cold start of the CLI (--version): $(awk "BEGIN{printf \"%.2f\", $c1 - $c0}") s"
  if [ -n "$(find "$dir" -newer "$dir/mediabrowser" -type f -name '*.pyc' | head -1)" ]; then
    echo "FAILED: the app wrote inside its bundle" >&2; exit 1
  fi
}

for tarball in build/mediabrowser-"$version"-linux-*.tar.gz; do
  [ -f "$tarball" ] || continue
  found=1
  dest=$(mktemp -d -p "$scratch")
  tar -C "$dest" -xzf "$tarball"
  run_app "$(basename "$tarball") ($(size_of "$tarball") compressed)" "$dest/mediabrowser"
  test -x "$dest/mediabrowser/install-desktop-entry.sh"
  grep -q '^Exec=mediabrowser' "$dest/mediabrowser/mediabrowser.desktop"
done

for deb in build/mediabrowser_"$version"_*.deb; do
  [ -f "$deb" ] || continue
  found=1
  echo "== $(basename "$deb") ($(size_of "$deb") compressed)"
  dpkg-deb --field "$deb" Package Version Architecture Installed-Size
  dpkg-deb --contents "$deb" | grep -E "usr/(bin/mediabrowser|share/applications/mediabrowser.desktop)" \
    | awk '{print "  " $6, $7, $8}'
  dest=$(mktemp -d -p "$scratch")
  dpkg-deb -x "$deb" "$dest"
  run_app "$(basename "$deb"), unpacked" "$dest/opt/mediabrowser"
  if [ "${MB_INSTALL_DEB:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
    # A real install and removal (changes this machine: opt in).
    trap 'dpkg -r mediabrowser >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
    dpkg -i "$deb" >/dev/null
    test -f /usr/share/applications/mediabrowser.desktop
    env -i HOME="$(mktemp -d -p "$scratch")" PATH=/usr/bin:/bin mediabrowser --version
    dpkg -r mediabrowser >/dev/null 2>&1
    trap 'rm -rf "$scratch"' EXIT
    [ ! -e /opt/mediabrowser ] || { echo "FAILED: dpkg -r left /opt/mediabrowser" >&2; exit 1; }
    echo "installed with dpkg -i, in the menu, removed cleanly"
  fi
done

[ "$found" = 1 ] || { echo "no build: run make package (or make package-full) first" >&2; exit 1; }
