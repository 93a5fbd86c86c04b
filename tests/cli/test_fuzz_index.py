"""Property: whatever a folder holds, `mediabrowser index` runs to the end. Hundreds of files
with random names (any bytes but "/") and random or damaged content under every media
extension, mixed with good files: exit 0, every good file indexed, every bad one listed with a
reason in plain words, nothing lost, nothing printed by native decoders.

The seed is fixed so CI is repeatable; MB_FUZZ_SEED=N tries another mix.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable
from pathlib import Path

from mediabrowser import mediamaker
from mediabrowser.core.library import Library
from mediabrowser.core.media.sniff import MEDIA_EXTS
from tests.cli.test_cli import mb
from tests.conftest import textured

SEED = int(os.environ.get("MB_FUZZ_SEED", "20261201"))
BAD_FILES = 300
MAGICS = [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x10\x00\x00WEBP",
          b"RIFF\x00\x10\x00\x00WAVEfmt ", b"\x00\x00\x00\x18ftypisom", b"\x00\x00\x00\x18ftypheic",
          b"\x1a\x45\xdf\xa3", b"ID3\x03\x00", b"fLaC", b"OggS", b"II*\x00", b"MM\x00*", b"BM"]
# Words that give away a raw exception, a source path or a memory address.
UNFRIENDLY = re.compile(r"Traceback|Error\b|Exception|\.(?:c|cpp|h|py)\b|0x[0-9a-f]{6,}|<\w+",
                        re.IGNORECASE)


def _random_name(rng: random.Random, ext: str) -> bytes:
    alphabet = [b for b in range(1, 256) if b not in (ord("/"),)]
    n = rng.randint(1, 60)
    name = bytes(rng.choice(alphabet) for _ in range(n)).lstrip(b".") or b"x"
    return name[: 250 - len(ext)] + ext.encode()


def _good_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    out: list[Path] = []
    for i, fmt in enumerate(("JPEG", "PNG", "WEBP", "JPEG", "PNG", "HEIF")):
        import pillow_heif

        pillow_heif.register_heif_opener()
        ext = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}[fmt]
        p = folder / f"good{i}{ext}"
        textured((40 * i % 255, 100, 220 - 30 * i), seed=100 + i).save(p, fmt)
        out.append(p)
    still = out[0]
    out.append(mediamaker.video_from_photo(still, folder / "good_clip.mp4", seconds=1.0))
    out.append(mediamaker.tone(folder / "good_tone.wav", "sine=frequency=523", seconds=1.5))
    out.append(mediamaker.convert_audio(out[-1], folder / "good_tone.mp3"))
    return out


def _damaged(rng: random.Random, good: bytes) -> bytes:
    data = bytearray(good)
    if rng.random() < 0.5:  # cut short, as an interrupted copy
        return bytes(data[: rng.randint(1, max(1, len(data) - 1))])
    for _ in range(rng.randint(1, 20)):  # bytes flipped, as a failing disk
        pos = rng.randrange(len(data))
        data[pos] = rng.randrange(256)
    return bytes(data)


def test_any_mix_of_files_indexes_to_the_end(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    root = tmp_path / "library"
    good = _good_files(root / "good")
    good_bytes = [p.read_bytes() for p in good]
    folders = [os.fsencode(root)]
    for _ in range(6):  # sub-folders with random names too
        parent = rng.choice(folders)
        sub = os.path.join(parent, _random_name(rng, ""))
        os.makedirs(sub, exist_ok=True)
        folders.append(sub)

    makers: list[tuple[str, Callable[[], bytes]]] = [
        ("bad", lambda: os.urandom(rng.randint(1, 20_000))),
        ("bad", lambda: rng.choice(MAGICS) + os.urandom(rng.randint(0, 5000))),
        ("bad", lambda: b""),
        ("bad", lambda: b"<!DOCTYPE html><html><body>404 Not Found</body></html>\n" * 5),
        ("bad", lambda: ("plain notes, not media\n" * rng.randint(1, 50)).encode()),
        ("damaged", lambda: _damaged(rng, rng.choice(good_bytes))),
    ]
    expected: dict[bytes, str] = {os.fsencode(p): "good" for p in good}
    exts = sorted(MEDIA_EXTS)
    while len(expected) < len(good) + BAD_FILES:
        path = os.path.join(rng.choice(folders), _random_name(rng, rng.choice(exts)))
        if path in expected:
            continue
        what, make = rng.choice(makers)
        with open(path, "wb") as f:
            f.write(make())
        expected[path] = what

    lib = tmp_path / "lib"
    r = mb("index", str(root), "--library", str(lib), "--json", timeout=600)
    assert r.returncode == 0, (SEED, r.stderr[-2000:])
    assert r.stderr == "", (SEED, r.stderr[-2000:])  # no decoder wrote on the terminal
    report = json.loads(r.stdout)
    listed = {os.fsencode(p["path"]): p["reason"] for p in report["problems"]}

    with Library(lib) as library:
        rows = {os.fsencode(row.path): row for row in library.store.files()}
        indexed = {p for p, row in rows.items()
                   if row.status == "ok" and library.store.models_with_vectors(row.id)}
    for path, what in expected.items():
        if what == "good":
            assert path in indexed, (SEED, path, listed.get(path))
        elif what == "bad":
            assert path in listed and path not in indexed, (SEED, path)
        else:  # damaged: still readable (then indexed) or listed, never lost
            assert path in indexed or path in listed, (SEED, path)
    assert report["scanned"] == len(expected)
    for path, reason in listed.items():
        assert reason and len(reason) < 200 and not UNFRIENDLY.search(reason), (path, reason)

    # Every path the run printed can be passed back, whatever bytes its name holds.
    queries = [os.fsdecode(p) for p in sorted(indexed)[:4]]
    r = mb("similar", *queries, "--library", str(lib), "--json", "-k", "3")
    assert r.returncode == 0 and r.stderr == "", r.stderr[-2000:]
    answers = json.loads(r.stdout)
    assert set(answers) == set(queries) and all(answers[q] for q in queries)
    for rows_out in answers.values():
        for hit in rows_out:
            assert os.fsencode(hit["path"]) in indexed
