# Runtime hook of the frozen app: nothing may be written inside the bundle, and the bundled
# FFmpeg libraries must be found by torchcodec's loader.
import os
import sys

bundle = getattr(sys, "_MEIPASS", None)
if bundle:
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.dont_write_bytecode = True
    ld = os.environ.get("LD_LIBRARY_PATH", "")
    if bundle not in ld.split(os.pathsep):
        os.environ["LD_LIBRARY_PATH"] = bundle + (os.pathsep + ld if ld else "")
