"""The map (issue 24): does the 2-D layout keep neighbours, what does it cost at 1M, and how
fast is the Map page to draw.

  quality  on labelled sets made here (photos, videos, voices, instruments; A chooses, B and
           C confirm): the share of each item's 10 nearest points on the map that carry its
           label, against `similar`'s P@10 on the same vectors (target ratio >= 0.85). With
           --compare, umap-learn, openTSNE, PaCMAP and PCA on the same vectors (installed
           with `pip install --target DIR umap-learn pacmap openTSNE`, given as --libs DIR).
  scale    a 1M-item library of synthetic clustered vectors: layout time and peak memory,
           opening a saved map, adding 1,000 new items, interrupting and resuming.

    .venv/bin/python bench/bench_map.py quality [--compare --libs /tmp/maplibs]
    .venv/bin/python bench/bench_map.py scale --items 1000000
    .venv/bin/python bench/bench_map.py events --dir DIR [--libs /tmp/maplibs]
           (after scale: our layout against umap-learn on some of the scale library's events)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path("/tmp/mb-bench-map")
SPACE = "efficientnet-lite0"


def neighbour_share(xy: np.ndarray, labels: list[str], k: int = 10) -> float:
    """Of each point's k nearest points in the plane, the share with its label."""
    lab = np.array(labels)
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    near = np.argsort(d, axis=1)[:, :k]
    return float((lab[near] == lab[:, None]).mean())


def app_layout(vecs: np.ndarray) -> np.ndarray:
    """What `mediabrowser map` computes for a space this size (core/maps/compute.py): the
    PCA reduction, the landmarks (all of them at this size) and the graph layout."""
    from mediabrowser.core.layout import graph_layout as gl
    from mediabrowser.core.layout.landmarks import choose_landmarks, place, reduction

    unit = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    x = reduction(unit).apply(unit)
    rows = choose_landmarks(len(x))
    xy = np.empty((len(x), 2), np.float32)
    xy[rows] = gl.layout(x[rows])
    rest = np.setdiff1d(np.arange(len(x)), rows)
    xy[rest] = place(x[rest], x[rows], xy[rows])
    return xy


def others() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    def umap(v: np.ndarray) -> np.ndarray:
        import umap as u
        return u.UMAP(n_neighbors=15, metric="cosine", random_state=0).fit_transform(v)

    def tsne(v: np.ndarray) -> np.ndarray:
        from openTSNE import TSNE
        return np.asarray(TSNE(perplexity=min(30, (len(v) - 1) / 3), metric="cosine",
                               random_state=0, n_jobs=2).fit(v))

    def pacmap(v: np.ndarray) -> np.ndarray:
        import pacmap as p
        return p.PaCMAP(n_components=2, n_neighbors=None, random_state=0).fit_transform(v)

    def pca(v: np.ndarray) -> np.ndarray:
        c = v - v.mean(axis=0)
        _u, _s, vt = np.linalg.svd(c, full_matrices=False)
        return c @ vt[:2].T

    return {"umap-learn": umap, "openTSNE": tsne, "PaCMAP": pacmap, "PCA": pca}


def labelled_sets() -> list[tuple[str, str, np.ndarray, list[str]]]:
    """(set, role, vectors from the app's default model, labels), vectors cached."""
    sys.path.insert(0, str(Path(__file__).parent))
    import video_sets
    from audio_sets import flite_speakers, have_instruments, have_set_c, instruments, melodies
    from audio_sets import speakers as speaker_set
    from bench_quality import model_vectors, photo_set

    ROOT.mkdir(parents=True, exist_ok=True)
    quality = Path("/tmp/mb-bench-quality")
    out = []

    def cached(name: str, model: str, make: Callable[[], tuple[list[Path], list[str]]]
               ) -> tuple[np.ndarray, list[str]]:
        cache = ROOT / f"{name.replace(' ', '_')}.npz"
        if cache.exists():
            z = np.load(cache)
            return z["v"], list(z["l"])
        paths, labels = make()
        v = model_vectors(model)(paths)
        np.savez(cache, v=v, l=np.array(labels))
        return v, labels

    for which, role in (("A", "choose"), ("B", "confirm")):
        v, lab = cached(f"photos {which}", "efficientnet-lite0",
                        lambda w=which: photo_set(quality / f"photos-{w}", w)[:2])
        out.append((f"photos {which}", role, v, lab))

    def videos(which: str) -> tuple[list[Path], list[str]]:
        media = Path("/tmp/mb-video-moments")
        if which == "A":
            longs, _ = video_sets.library_videos(media)
            cut = video_sets.clips(media, longs)
        else:
            longs = video_sets.confirm_videos(media)
            cut = video_sets.confirm_clips(media, longs)
        paths = list(longs) + [c[0] for c in cut]
        return paths, [p.stem for p in longs] + [c[1].stem for c in cut]

    for which, role in (("A", "choose"), ("B", "confirm")):
        v, lab = cached(f"videos {which}", "frames:efficientnet-lite0",
                        lambda w=which: videos(w))
        out.append((f"videos {which}", role, v, lab))
        v, lab = cached(f"voices {which}", "sounds-voices",
                        lambda w=which: speaker_set(quality / f"speech-{w}", w))
        out.append((f"voices {which}", role, v, lab))
        if have_instruments():
            v, lab = cached(f"instruments {which}", "sounds-voices",
                            lambda w=which: instruments(quality / f"music-{w}", w))
            out.append((f"instruments {which}", role, v, lab))
    if have_set_c():
        v, lab = cached("voices C", "sounds-voices",
                        lambda: flite_speakers(quality / "speech-C"))
        out.append(("voices C (flite)", "confirm", v, lab))
        v, lab = cached("instruments C", "sounds-voices", lambda: melodies(quality / "music-C"))
        out.append(("melodies C (TimGM6mb)", "confirm", v, lab))
    return out


def quality(args: argparse.Namespace) -> None:
    from bench_quality import ranking_quality

    if args.libs:
        sys.path.insert(0, args.libs)
    methods: dict[str, Callable[[np.ndarray], np.ndarray]] = {"mediabrowser map": app_layout}
    if args.compare:
        methods.update(others())
    rows = []
    for name, role, vecs, labels in labelled_sets():
        p10 = ranking_quality(vecs, labels)["P@10"]
        for method, fn in methods.items():
            t0 = time.monotonic()
            try:
                xy = np.asarray(fn(vecs.astype(np.float32)), np.float64)
            except Exception as exc:  # noqa: BLE001 - a method that cannot run says why
                rows.append(f"| {name} | {role} | {method} | {p10:.3f} | — | — | ({exc}) |")
                print(rows[-1], flush=True)
                continue
            took = time.monotonic() - t0
            share = neighbour_share(xy, labels)
            rows.append(f"| {name} ({len(labels)}: {len(set(labels))} labels) | {role} | "
                        f"{method} | {p10:.3f} | {share:.3f} | {share / p10:.2f} | "
                        f"{took:.1f} s |")
            print(rows[-1], flush=True)
    print("\n| set | role | layout | P@10 similar | 2-D share of 10 nearest | ratio | time |\n"
          "|---|---|---|---|---|---|---|\n" + "\n".join(rows))


def events(args: argparse.Namespace) -> None:
    """Our layout against umap-learn on a slice of the scale library: `--events` events of
    `--per` items each (the scale library's labels), reduced as the app reduces them."""
    from mediabrowser.core.layout import graph_layout as gl
    from mediabrowser.core.layout.landmarks import PCA_DIM, reduction
    from mediabrowser.core.library import Library
    from mediabrowser.core.maps.current import load

    lib = Library(args.dir)
    m = load(lib, SPACE)
    assert m is not None, "run the scale bench on this folder first"
    rng = np.random.default_rng(1)
    size = 60  # bench_scale.EVENT: file ids 60 k + 1 ... 60 k + 60 are event k
    chosen = rng.choice(int(m.file_ids.max()) // size - 1, args.events, replace=False)
    wanted = np.concatenate([e * size + 1 + rng.choice(size, args.per, replace=False)
                             for e in chosen])
    labels = m.labels[np.isin(m.file_ids, wanted)]
    v = lib.store.vectors_by_labels(labels, SPACE)
    event = (v.file_ids - 1) // size
    x = reduction(v.matrix[:20_000]).apply(v.matrix)

    def share(y: np.ndarray) -> float:
        out = []
        for r in rng.choice(len(y), 1000, replace=False):
            d = ((y - y[r]) ** 2).sum(axis=1)
            d[r] = np.inf
            out.append(float((event[np.argpartition(d, 10)[:10]] == event[r]).mean()))
        return float(np.mean(out))

    idx, _ = gl.knn(x, 10)
    print(f"{len(x):,} items, {args.events} events: 10 nearest in {PCA_DIM}-d of the same event "
          f"{(event[idx] == event[:, None]).mean():.3f}")
    t0 = time.monotonic()
    y = gl.layout(x)
    print(f"mediabrowser map: 2-D share {share(y):.3f} in {time.monotonic() - t0:.0f} s")
    if args.libs:
        sys.path.insert(0, args.libs)
        import umap

        t0 = time.monotonic()
        yu = umap.UMAP(n_neighbors=15, n_epochs=200, random_state=0).fit_transform(x)
        print(f"umap-learn: 2-D share {share(yu):.3f} in {time.monotonic() - t0:.0f} s")
    lib.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--compare", action="store_true")
    q.add_argument("--libs", help="folder with umap-learn, openTSNE and PaCMAP installed")
    s = sub.add_parser("scale")
    s.add_argument("--items", type=int, default=1_000_000)
    s.add_argument("--dir", default="/tmp/mb-bench-map-scale")
    s.add_argument("--stop-at", type=int, default=60,
                   help="stop the first layout after this many epochs and resume it in a new "
                        "process (0: one run)")
    e = sub.add_parser("events")
    e.add_argument("--dir", default="/tmp/mb-bench-map-scale")
    e.add_argument("--events", type=int, default=2000)
    e.add_argument("--per", type=int, default=15)
    e.add_argument("--libs", help="folder with umap-learn installed")
    c = sub.add_parser("child")
    c.add_argument("phase")
    c.add_argument("folder")
    c.add_argument("extra", nargs="*")
    args = ap.parse_args()
    {"quality": quality, "scale": scale, "events": events, "child": child}[args.mode](args)


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_layout(folder: Path, stop_at: int) -> dict[str, float]:
    """Lay out the space (stopping after `stop_at` epochs when > 0, as a closed window
    would); a later child resumes."""
    from mediabrowser.core.library import Library
    from mediabrowser.core.maps.compute import compute
    from mediabrowser.core.types import CancelToken

    lib = Library(folder)
    cancel = CancelToken()
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    last, at = "", t0
    epochs_seen: list[int] = []
    for p in compute(lib, SPACE, cancel):
        now = time.perf_counter()
        if p.message != last:
            if last:
                phases[last] = phases.get(last, 0.0) + now - at
            last, at = p.message, now
        if p.message == "laying out":
            epochs_seen.append(p.done)
            if stop_at and p.done >= stop_at:
                cancel.cancel()
    phases[last] = phases.get(last, 0.0) + time.perf_counter() - at
    out = {f"{k} s": v for k, v in phases.items()}
    out.update({"total s": time.perf_counter() - t0, "peak RSS MB": _rss_mb(),
                "first epoch": float(epochs_seen[0] if epochs_seen else -1)})
    lib.close()
    return out


def child_open_add(folder: Path) -> dict[str, float]:
    """Open the saved map (and what the page builds from it), then add 1,000 new items."""
    from mediabrowser.core.library import Library
    from mediabrowser.core.maps.current import load, updated
    from mediabrowser.gui.map import raster

    t0 = time.perf_counter()
    lib = Library(folder)
    m = load(lib, SPACE)
    assert m is not None
    grid = raster.PointGrid(m.xy)
    raster.overview(m.xy, raster.colours(m.cluster), grid.lo, grid.hi)
    opened = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    base = lib.store.vectors_by_labels(rng.choice(m.labels, 1000, replace=False), SPACE)
    folder = f"/home/user/Pictures/new {int(time.time())}"  # a new folder each run
    with lib.store.transaction() as c:
        for i, vec in enumerate(base.matrix):
            fid = lib.store.insert_file(c, path=f"{folder}/NEW_{i:05d}.JPG",
                                        kind="image", size=1, mtime=1.0, status="ok")
            lib.store.put_vector(c, fid, SPACE, SPACE, vec + 0.01 * rng.normal(size=len(vec)))
    t1 = time.perf_counter()
    before = len(m)
    m2 = updated(lib, m)
    added = time.perf_counter() - t1
    ok = len(m2) == before + 1000
    lib.close()
    return {"open s": opened, "add 1000 s": added, "all 1000 on it": float(ok),
            "items": float(before)}


def child_quality(folder: Path, queries: int = 1000) -> dict[str, float]:
    """The events are the labels: P@10 of exact search over the stored vectors against the
    share of the 10 nearest points on the map, for random items."""
    from mediabrowser.core.library import Library
    from mediabrowser.core.maps.current import load

    lib = Library(folder)
    m = load(lib, SPACE)
    assert m is not None
    rng = np.random.default_rng(3)
    rows = rng.choice(len(m), queries, replace=False)
    qv = lib.store.vectors_by_labels(m.labels[rows], SPACE)
    order = {int(label): i for i, label in enumerate(qv.labels)}
    q = qv.matrix[[order[int(label)] for label in m.labels[rows]]]
    best = np.full((queries, 11), -np.inf, np.float32)
    best_id = np.zeros((queries, 11), np.int64)
    for chunk in lib.store.space_chunks(SPACE, 50_000):
        sims = q @ chunk.matrix.T
        allv = np.concatenate([best, sims], axis=1)
        alli = np.concatenate([best_id, np.broadcast_to(chunk.file_ids, sims.shape)], axis=1)
        top = np.argpartition(-allv, 10, axis=1)[:, :11]
        best = np.take_along_axis(allv, top, axis=1)
        best_id = np.take_along_axis(alli, top, axis=1)
    near2d = []
    for r in rows:
        d = ((m.xy - m.xy[r]) ** 2).sum(axis=1)
        d[r] = np.inf
        near2d.append(np.argpartition(d, 10)[:10])
    paths = lib.store.file_paths({int(f) for f in best_id.ravel()}
                                 | {int(f) for f in m.file_ids[rows]}
                                 | {int(m.file_ids[j]) for near in near2d for j in near})

    def event(fid: int) -> str:
        p = paths.get(int(fid), "")
        return p.split(" Event ")[-1].split("/")[0]

    p10, share = [], []
    for i, r in enumerate(rows):
        me = int(m.file_ids[r])
        found = [int(f) for f in best_id[i][np.argsort(-best[i])] if int(f) != me][:10]
        p10.append(np.mean([event(f) == event(me) for f in found]))
        share.append(np.mean([event(int(m.file_ids[j])) == event(me) for j in near2d[i]]))
    lib.close()
    return {"P@10": float(np.mean(p10)), "2-D share": float(np.mean(share))}


def child_frames(folder: Path) -> dict[str, float]:
    """Frames/s of the Map page's canvas (offscreen Qt, QPainter only) while panning and
    zooming: the overview, then zoomed in to points and thumbnails' level."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from mediabrowser.core.library import Library
    from mediabrowser.core.maps.current import load
    from mediabrowser.gui.map.canvas import MapCanvas

    app = QApplication.instance() or QApplication([])
    lib = Library(folder)
    m = load(lib, SPACE)
    assert m is not None
    c = MapCanvas()
    c.resize(1200, 800)
    c.show()
    until = time.monotonic() + 2.0  # a real X server maps and exposes the window meanwhile
    while time.monotonic() < until:
        app.processEvents()
        time.sleep(0.02)
    from mediabrowser.gui.map.raster import Prepared

    t0 = time.perf_counter()
    ready = Prepared(m.xy, m.cluster)  # on the map thread in the window
    made = time.perf_counter() - t0
    t0 = time.perf_counter()
    c.set_points(ready)
    c.repaint()
    first = time.perf_counter() - t0
    out: dict[str, float] = {"prepared off the GUI thread s": made,
                             "GUI thread: set and first paint s": first}
    for name, zoom in (("overview", 1.0), ("zoomed 20x", 20.0), ("zoomed 400x", 400.0)):
        c.fit()
        c.zoom_by(zoom)
        frames = []
        for i in range(60):
            t = time.perf_counter()
            if i % 2:
                c.pan_by(7.0, -5.0)
            else:
                c.zoom_by(1.02 if (i // 2) % 2 else 1 / 1.02)
            c.repaint()
            frames.append(time.perf_counter() - t)
        out[f"{name} fps"] = len(frames) / sum(frames)
        out[f"{name} worst ms"] = 1000 * max(frames)
        out[f"{name} points in view"] = float(c.visible_count)
    lib.close()
    return out


def run_child(phase: str, folder: Path, *extra: str) -> dict[str, float]:
    import subprocess

    r = subprocess.run([sys.executable, __file__, "child", phase, str(folder), *extra],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{phase} failed:\n{r.stderr[-3000:]}")
    import json

    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


def scale(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_scale import build

    folder = Path(args.dir)
    have = 0
    if (folder / "library.db").exists():
        import sqlite3

        have = sqlite3.connect(folder / "library.db").execute(
            "SELECT COUNT(*) FROM files").fetchone()[0]
    if have < args.items:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        build(folder, args.items)
        print(f"built {args.items:,} items in {time.perf_counter() - t0:.0f} s", flush=True)
    import shutil

    shutil.rmtree(folder / "maps", ignore_errors=True)
    results = {}
    if args.stop_at:
        results["layout, stopped"] = run_child("layout", folder, str(args.stop_at))
        print(results, flush=True)
        results["layout, resumed"] = run_child("layout", folder, "0")
    else:
        results["layout"] = run_child("layout", folder, "0")
    print(results, flush=True)
    results["quality"] = run_child("quality", folder)
    print(results["quality"], flush=True)
    results["frames"] = run_child("frames", folder)
    print(results["frames"], flush=True)
    results["open and add"] = run_child("open_add", folder)
    print(f"\n### The map at {args.items:,} items — {time.strftime('%Y-%m-%d')}\n")
    for part, r in results.items():
        print(f"- {part}: " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                        for k, v in r.items()))


def child(args: argparse.Namespace) -> None:
    import json

    folder = Path(args.folder)
    fn = {"layout": lambda: child_layout(folder, int(args.extra[0])),
          "open_add": lambda: child_open_add(folder),
          "quality": lambda: child_quality(folder),
          "frames": lambda: child_frames(folder)}[args.phase]
    print(json.dumps(fn()))


if __name__ == "__main__":
    main()
