#!/usr/bin/env bash
# Run the built app's smoke test as a user would: no venv on PATH, an empty HOME, offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
app=build/dist/mediabrowser/mediabrowser
[ -x "$app" ] || { echo "no build: run make package first" >&2; exit 1; }
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
start=$(date +%s.%N)
env -i HOME="$home" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 \
  "$app" --smoke-test
end=$(date +%s.%N)
# Cold start: the time to the CLI answering, with an empty HOME.
c0=$(date +%s.%N)
env -i HOME="$home" PATH=/usr/bin:/bin "$app" --version
c1=$(date +%s.%N)
echo "smoke test took $(awk "BEGIN{printf \"%.1f\", $end - $start}") s"
echo "cold start (--version): $(awk "BEGIN{printf \"%.2f\", $c1 - $c0}") s"
echo "build size: $(du -sh build/dist/mediabrowser | cut -f1)  tarball: $(du -sh build/mediabrowser-*.tar.gz | cut -f1)"
if [ -n "$(find build/dist/mediabrowser -newer "$app" -type f -name '*.pyc' | head -1)" ]; then
  echo "the app wrote inside its bundle" >&2; exit 1
fi
