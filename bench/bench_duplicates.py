"""Duplicates: pair precision and recall of the "same" tier on a labelled set made here, and the
time to group a 1M-item library.

    .venv/bin/python bench/bench_duplicates.py quality [--media DIR]
    .venv/bin/python bench/bench_duplicates.py scale --items 1000000 [--dir DIR]

quality: every scikit-image sample photograph as an original plus resized, recompressed,
cropped, turned, mirrored, PNG, WebP and byte-identical copies, with look-alikes (another part
of the scene, a zoomed detail; the two motorcycle photographs are a stereo pair); clips with
re-encoded, rescaled and WebM copies and a look-alike (the same photograph, still); recordings
with MP3 and OGG copies and a look-alike (the same voice, another sentence). Indexed through
the app; a pair is right when both files carry the same label. Reported for the "same" tier at
its level (0.9) and, to choose that level, at others.

scale: bench/bench_scale.py's synthetic library (1280-d vectors clustered by event), plus planted
copies: 1 % of items get a same-content copy (the vector moved to cosine ≈ 0.98) and 0.5 % a
byte-identical one, and every photo the grey picture indexing keeps; then the whole library is
grouped (the index build is timed apart). The files do not exist, so the second look at pixels
finds nothing to read and the model's scores decide alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mediabrowser.core.store.repo import Store

sys.path.insert(0, str(Path(__file__).parent))


# Where Debian's opencv-doc and tuxpaint-stamps-default put their files (apt-get install them,
# or unpack their .deb files and give --films / --stamps).
FILMS = Path("/usr/share/doc/opencv-doc/examples/data")
STAMPS = Path("/usr/share/tuxpaint/stamps")


def quality(media: Path, strength: str = "A") -> dict:
    from mediabrowser import dupe_media, mediamaker

    names = tuple(n for n in mediamaker.PHOTOS if n not in ("page", "logo"))  # near-blank ones
    files = dupe_media.photo_set(media / "photos", names, strength)
    if strength == "B":  # photos only: the clips and recordings are the same either way
        return _measure(media, files)
    files += dupe_media.video_set(media / "videos", ("astronaut", "coffee", "motorcycle_left",
                                                     "motorcycle_right", "chelsea", "rocket"))
    files += dupe_media.audio_set(media / "audio", ("en", "de", "fr"))
    return _measure(media, files)


def lookalikes(media: Path, which: str) -> dict:
    """Many distinct pictures of one kind on plain backgrounds, clips of other moments of one
    static-camera film, and one speaker's recordings, a few of each copied: choose on the
    rendered set, vtest.avi and espeak-ng's voices; confirm on Tux Paint's stamps, tree.avi and
    Tux Paint's spoken names and sound effects."""
    from mediabrowser import lookalike_media as lm

    if which == "looks-A":
        files = lm.lookalike_set(media / "photos", lm.rendered_pictures(), "A")
        film = FILMS / "vtest.avi"
        starts: tuple[float, ...] = (2, 5, 8, 11, 20, 23)
        spoken = media.with_name(media.name + "-spoken")  # sources, outside the library
        voices = lm.spoken(spoken, "en") + lm.spoken(spoken, "de", 6)
    else:
        files = lm.lookalike_set(media / "photos", lm.stamp_pictures(STAMPS), "B")
        film = FILMS / "tree.avi"
        starts = (1, 3.5, 6, 8.5, 14, 16.5)
        # One speaker reading the names of Tux Paint's stamps, and its sound effects.
        voices = sorted((STAMPS / "symbols").rglob("*_desc_fr.ogg"))[:24] + sorted(
            p for p in (STAMPS / "animals").rglob("*.ogg") if "_desc_" not in p.name)[:12]
    files += lm.recordings_set(media / "audio", voices)
    if film.exists():
        files += lm.moments_set(media / "videos", film, starts)
    return _measure(media, files, levels=(0.9,))


def _measure(media: Path, files: list, levels: tuple[float, ...] = (0.85, 0.9, 0.93, 0.95)
             ) -> dict:
    from mediabrowser.core.driver import drive
    from mediabrowser.core.dupes import grouping, stars
    from mediabrowser.core.jobs.pipeline import index_job
    from mediabrowser.core.library import Library

    kind = {str(f.path.absolute()): f.path.parts[len(media.parts)] for f in files}
    # A photo and a clip made from it are not copies of each other: labels are per kind.
    label = {p: f"{kind[p]}:{f.label}" for f in files if (p := str(f.path.absolute()))}
    variant = {str(f.path.absolute()): f.variant for f in files}
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(Path(tmp) / "lib")
        lib.lock_for_writing()
        drive(index_job(lib, [str(media)]))
        out = {"files": len(files), "levels": {}}
        for level in levels:
            grouping.SAME_SCORE = stars.SAME_SCORE = level
            t0 = time.perf_counter()
            report = drive(grouping.find_duplicates_job(lib, "same"))
            seconds = time.perf_counter() - t0
            out["levels"][level] = _pair_scores(report.groups, label, kind) | {
                "seconds": round(seconds, 2), "by_variant": _by_variant(report.groups, label,
                                                                        variant, kind)}
        lib.close()
    return out


def _by_variant(groups: list, label: dict, variant: dict, kind: dict) -> dict:
    """Per kind and variant: how many copies are grouped with their original, and how many
    look-alikes are grouped with their source."""
    group_of = {m.item.path: i for i, g in enumerate(groups) for m in g.members}
    original = {label[p]: p for p in label if variant[p] == "original"}
    out: dict[str, list[int]] = {}
    for p, v in variant.items():
        if v == "original":
            continue
        src = original.get(label[p].split("/")[0])  # a look-alike's label: "source/variant"
        hit = src is not None and p in group_of and group_of.get(src) == group_of[p]
        key = f"{kind[p]} {v}"
        out.setdefault(key, [0, 0])
        out[key][0] += int(hit)
        out[key][1] += 1
    return {k: f"{a}/{b}" for k, (a, b) in sorted(out.items())}


def _pair_scores(groups: list, label: dict, kind: dict) -> dict:
    truth: set[tuple[str, str]] = set()
    by_label: dict[str, list[str]] = {}
    for p, lab in label.items():
        by_label.setdefault(lab, []).append(p)
    for members in by_label.values():
        truth.update(itertools.combinations(sorted(members), 2))
    found = set()
    for g in groups:
        found.update(itertools.combinations(sorted(m.item.path for m in g.members), 2))
    res = {}
    for k in ("all", "photos", "videos", "audio"):
        t = {p for p in truth if k == "all" or kind[p[0]] == k}
        f = {p for p in found if k == "all" or kind.get(p[0]) == k}
        right = len(t & f)
        res[k] = {"precision": round(right / len(f), 4) if f else 1.0,
                  "recall": round(right / len(t), 4) if t else 1.0,
                  "pairs": len(t), "found": len(f),
                  "wrong": sorted(f - t)[:6],
                  "wrong_labels": sorted({" ~ ".join(sorted({label.get(a, "?"), label.get(b, "?")}))
                                          for a, b in f - t})[:40]}
    return res


def scale(folder: Path, items: int) -> dict:
    import bench_scale

    from mediabrowser.core.driver import drive
    from mediabrowser.core.dupes.grouping import find_duplicates_job
    from mediabrowser.core.library import Library
    from mediabrowser.core.store.repo import Store

    planted = folder / "planted.json"
    if not planted.exists():
        bench_scale.build(folder, items)
        store = Store(folder / "library.db")
        rng = np.random.default_rng(7)
        n_same, n_ident = items // 100, items // 200
        picks = rng.choice(items, n_same + n_ident, replace=False) + 1
        rows = store.files_by_ids(picks.tolist())
        pairs = []
        with store.transaction() as c:
            for i, fid in enumerate(picks.tolist()):
                row = rows[fid]
                vec = store.vector(fid, bench_scale.SPACE)
                assert vec is not None
                same = i < n_same
                if same:  # a re-encode: the vector moves a little
                    noise = rng.normal(size=vec.shape).astype(np.float32)
                    noise -= noise @ vec * vec
                    vec = vec + 0.2 * noise / np.linalg.norm(noise)
                new = store.insert_file(
                    c, path=row.path[:-4] + " copy" + row.path[-4:], kind=row.kind,
                    size=row.size, mtime=row.mtime + 60, width=row.width, height=row.height,
                    hash=f"copy{fid}" if same else row.hash,
                    full_hash=f"copyfull{fid}" if same else (row.hash or f"h{fid}"))
                if not same:
                    store.update_file(c, fid, full_hash=row.hash or f"h{fid}")
                store.put_vector(c, new, bench_scale.SPACE, bench_scale.SPACE, vec)
                pairs.append((fid, new))
        _greys(store, rng)
        store.close()
        planted.write_text(json.dumps({"same": n_same, "identical": n_ident, "pairs": pairs}))
    plan = json.loads(planted.read_text())
    lib = Library(folder)
    lib.lock_for_writing()
    t0 = time.perf_counter()
    lib.indexes.get(bench_scale.SPACE)
    index_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = drive(find_duplicates_job(lib, "same"))
    group_s = time.perf_counter() - t0
    n_files = sum(lib.store.count(k) for k in ("image", "video", "audio"))
    lib.close()
    sizes = [len(g.members) for g in report.groups]
    where = {m.item.id: i for i, g in enumerate(report.groups) for m in g.members}
    found = sum(1 for a, b in plan["pairs"] if a in where and where.get(b) == where[a])
    return {"planted_pairs_found": f"{found}/{len(plan['pairs'])}",
            "items": n_files, "planted_same": plan["same"], "planted_identical":
            plan["identical"], "groups": len(report.groups),
            "largest_group": max(sizes) if sizes else 0,
            "index_load_or_build_s": round(index_s, 1), "grouping_s": round(group_s, 1)}


def _greys(store: Store, rng: np.random.Generator) -> None:
    """The grey pictures and turn-invariant summaries indexing keeps for each photo (blocky
    random pictures: no two alike, so the turned-copy search does all its work for nothing)."""
    from mediabrowser.core.media.grey import store_grey

    rows = [(r.id, r.size, r.mtime) for r in store.files(status="ok", kind="image")]
    for start in range(0, len(rows), 10_000):
        part = rows[start:start + 10_000]
        small = rng.integers(0, 255, (len(part), 8, 8)).astype(np.float32)
        g = np.clip(np.kron(small, np.ones((4, 4))) + rng.normal(0, 8, (len(part), 32, 32)),
                    0, 255).astype(np.uint8)
        with store.transaction() as c:
            for (fid, size, mtime), grey in zip(part, g, strict=True):
                store_grey(c, fid, size, mtime, grey)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("quality", "scale"))
    ap.add_argument("--media", type=Path, default=Path(tempfile.gettempdir()) / "mb-dupe-media")
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--set", choices=("A", "B", "looks-A", "looks-B"), default="A",
                    help="B: photos copied and cut another way, to confirm what A chose; "
                    "looks-A / looks-B: many look-alikes, few copies (rendered here / "
                    "Debian's packages)")
    ap.add_argument("--films", type=Path, help="folder holding vtest.avi and tree.avi")
    ap.add_argument("--stamps", type=Path, help="Tux Paint's stamps folder")
    ap.add_argument("--dir", type=Path)
    a = ap.parse_args()
    global FILMS, STAMPS
    FILMS, STAMPS = a.films or FILMS, a.stamps or STAMPS
    if a.what == "quality":
        media = a.media if a.set == "A" else a.media.with_name(f"{a.media.name}-{a.set}")
        if a.set.startswith("looks"):
            print(json.dumps(lookalikes(media, a.set), indent=1))
        else:
            print(json.dumps(quality(media, a.set), indent=1))
    else:
        folder = a.dir or Path(tempfile.gettempdir()) / f"mb-dupe-scale-{a.items}"
        print(json.dumps(scale(folder, a.items), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
