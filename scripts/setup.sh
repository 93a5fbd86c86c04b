#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for mediabrowser: system packages (when root and missing),
# then a .venv with the pinned Python packages. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
APT_PACKAGES=(ffmpeg espeak-ng xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-xkb1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 fonts-noto-color-emoji)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install these system packages: ${missing[*]}" >&2
    exit 1
  fi
fi

stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ requirements.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: creating .venv with the pinned packages (a few minutes the first time)"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  # This machine's pip config names local indexes that may be absent; hide only those warnings.
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock 2>&1 \
    | { grep -v "^WARNING: Location '.*' is ignored" || true; }
  test "${PIPESTATUS[0]}" -eq 0
  # Resemblyzer only for the GE2E weights file it ships: its own dependencies (librosa,
  # webrtcvad) are not needed, since mediabrowser computes the features itself.
  # The same for aisfx (the sounds CNN's checkpoint; its pins are years old) and silero-vad
  # (the speech detector's ONNX graph; its import pulls in PyTorch, which is never needed).
  # milvus: the Milvus 2.3 standalone server in a wheel, which the tests run to check a real
  # server (HNSW, databases, consistency), never imported by mediabrowser itself.
  .venv/bin/pip install -q --disable-pip-version-check --no-deps resemblyzer==0.1.4 \
    aisfx==0.1.2 silero-vad==6.2.3 milvus==2.3.5 2>&1 \
    | { grep -v "^WARNING: Location '.*' is ignored" || true; }
  test "${PIPESTATUS[0]}" -eq 0
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 \
    | { grep -v "^WARNING: Location '.*' is ignored" || true; }
  test "${PIPESTATUS[0]}" -eq 0
  .venv/bin/python -c "import torch, torchvision, torchaudio, torchcodec, hnswlib, PySide6, pillow_heif, rawpy, onnxruntime, av"
  touch "$stamp"
fi
