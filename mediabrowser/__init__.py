"""mediabrowser: browse a media library by similarity."""

import os as _os

# Torch's OpenMP threads spin-wait between operations by default, stealing the cores that the
# decode pool needs while the model runs; passive waiting keeps the pipeline fed (measured in
# bench/bench_index.py). Must be set before torch is first imported.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# OpenCV and its FFmpeg print warnings about damaged files on the terminal; each file's problem
# is reported in words by the decoders instead. Read by OpenCV when it is first imported.
_os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

__version__ = "0.1.0"
