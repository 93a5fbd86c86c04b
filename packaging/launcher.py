"""Entry point of the frozen app: the same `mediabrowser` command (window, CLI, smoke test)."""

import multiprocessing
import sys

from mediabrowser.launch import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless now; needed if a worker process is ever used
    sys.exit(main())
