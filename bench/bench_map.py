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
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path("/tmp/mb-bench-map")


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
    from mediabrowser.core.layout.landmarks import Reduction, choose_landmarks, place

    unit = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    x = Reduction.fit(unit).apply(unit)
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


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--compare", action="store_true")
    q.add_argument("--libs", help="folder with umap-learn, openTSNE and PaCMAP installed")
    s = sub.add_parser("scale")
    s.add_argument("--items", type=int, default=1_000_000)
    s.add_argument("--dim", type=int, default=1280)
    args = ap.parse_args()
    {"quality": quality, "scale": scale}[args.mode](args)


def scale(args: argparse.Namespace) -> None:
    raise SystemExit("scale: see below")


if __name__ == "__main__":
    main()
