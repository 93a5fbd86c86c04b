# make run   — set up (system packages, .venv) and open the app on the demo library
# make test  — set up and run ruff, mypy, import-linter and pytest
BIN := .venv/bin

.PHONY: setup run test lint bench bench-1m screenshot package package-full package-test

setup:
	@bash scripts/setup.sh

run: setup
	$(BIN)/mediabrowser demo  # the window when there is a display, else printed matches

lint: setup
	$(BIN)/ruff check mediabrowser tests bench
	$(BIN)/mypy mediabrowser
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/bench_index.py --write BENCHMARKS.md
	$(BIN)/python bench/bench_gui.py --write BENCHMARKS.md
	$(BIN)/python bench/bench_models.py --write BENCHMARKS.md
	$(BIN)/python bench/bench_engines.py --write BENCHMARKS.md
	$(BIN)/python bench/bench_scale.py --items 100000 --write BENCHMARKS.md
	$(BIN)/python bench/bench_duplicates.py quality --set A
	$(BIN)/python bench/bench_duplicates.py quality --set B
	$(BIN)/python bench/bench_duplicates.py scale --items 100000

bench-1m: setup  # about 25 minutes and 7 GB of disk on 2 cores (and as long for duplicates)
	$(BIN)/python bench/bench_scale.py --items 1000000 --write BENCHMARKS.md
	$(BIN)/python bench/bench_duplicates.py scale --items 1000000

screenshot: setup
	xvfb-run -a -s "-screen 0 1366x868x24" env -u QT_QPA_PLATFORM $(BIN)/python scripts/screenshots.py docs

package: setup  # the small installer: no PyTorch, models on ONNX Runtime (.tar.gz and .deb)
	bash packaging/build.sh small

package-full: setup  # PyTorch and the whole model zoo (.tar.gz)
	bash packaging/build.sh full

package-test:
	bash packaging/package-test.sh
