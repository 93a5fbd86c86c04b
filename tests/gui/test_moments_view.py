"""A result that matched a part of its recording: the tile says where, the preview opens there
and marks the part on the waveform."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from mediabrowser import mediamaker
from mediabrowser.core.media.audio import audio_info
from mediabrowser.gui.grid.model import MomentRole, RowRole

INDEX_TIMEOUT = 180_000


def _joined(parts: list[Path], out: Path) -> Path:
    inputs = [x for p in parts for x in ("-i", str(p))]
    chain = "".join(f"[{j}:a]aresample=44100,aformat=channel_layouts=mono[a{j}];"
                    for j in range(len(parts)))
    joined = "".join(f"[a{j}]" for j in range(len(parts)))
    subprocess.run(["ffmpeg", "-y", "-v", "error", *inputs, "-filter_complex",
                    f"{chain}{joined}concat=n={len(parts)}:v=0:a=1", str(out)], check=True)
    return out


def test_a_moment_result_shows_its_time_and_opens_there(qtbot: Any, make_window: Any,
                                                        tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    speech = mediamaker.speech("The weather will be cold and windy tomorrow.",
                               src / "speech.wav")
    chord = mediamaker.tone(src / "chord.wav", "aevalsrc=0.2*sin(2*PI*262*t)"
                            "+0.2*sin(2*PI*330*t)*exp(-2*t)+0.1*sin(2*PI*523*t):s=44100",
                            seconds=4)
    buzz = mediamaker.tone(src / "buzz.wav", "aevalsrc=0.3*sin(2*PI*110*t)*sin(2*PI*3*t)"
                           ":s=44100", seconds=4)
    media = tmp_path / "media"
    media.mkdir()
    long = _joined([speech, buzz, chord, speech], media / "long.wav")
    at = audio_info(speech)[0] + audio_info(buzz)[0]  # where the chord begins
    piece = tmp_path / "piece.mp3"
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-ss", f"{at + 0.5:.3f}", "-t", "3", "-i",
                    str(long), "-af", "volume=0.7", str(piece)], check=True)
    w = make_window()
    with qtbot.waitSignal(w.indexing.finished, timeout=INDEX_TIMEOUT):
        w.indexing.add_paths([str(media)])
    with qtbot.waitSignal(w.search.results_ready, timeout=60_000):
        w.search.query_outside_files([str(piece)])
    first = w.results_model.index(0)
    assert Path(first.data(RowRole).path) == long
    start, end = first.data(MomentRole)
    assert abs(start - (at + 0.5)) <= 2.0 and end > start
    assert "matched" in w.results_model.data(first, 3)  # ToolTipRole: "the part from … matched"
    w.results.setCurrentIndex(first)
    qtbot.waitUntil(lambda: w.preview.current is not None, timeout=10_000)
    marks = w.preview.player.waveform.marks
    duration = audio_info(long)[0]
    assert len(marks) == 1 and abs(marks[0][0] * duration - start) < 0.01
    assert "matched from" in w.preview.meta.text()


def _pan(photo: str, out: Path, seconds: float = 4.0) -> Path:
    src = out.with_suffix(".png")
    mediamaker.sample_photo(photo).save(src)
    n = int(seconds * 15)
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-loop", "1", "-i", str(src), "-vf",
                    f"scale=640:-2,zoompan=z='1.1+0.1*on/{n}':x='(iw-iw/zoom)*on/{n}':d={n}"
                    ":s=320x180:fps=15", "-t", str(seconds), "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-preset", "veryfast", str(out)], check=True)
    return out


def test_a_video_moment_shows_its_frame_span_and_marks(qtbot: Any, make_window: Any,
                                                       tmp_path: Path) -> None:
    from mediabrowser.gui.grid.model import SpansRole, ThumbRole

    shots = [_pan(p, tmp_path / f"{p}.mp4") for p in ("astronaut", "chelsea", "coffee")]
    media = tmp_path / "media"
    media.mkdir()
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in shots))
    long = media / "long.mp4"
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-f", "concat", "-safe", "0", "-i",
                    str(listing), "-c", "copy", str(long)], check=True)
    clip = tmp_path / "clip.mp4"  # 3 s from 5 s in (the cat), mirrored
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-ss", "5", "-i", str(long), "-t", "3",
                    "-vf", "hflip", str(clip)], check=True)
    w = make_window()
    with qtbot.waitSignal(w.indexing.finished, timeout=INDEX_TIMEOUT):
        w.indexing.add_paths([str(media)])
    with qtbot.waitSignal(w.search.results_ready, timeout=60_000):
        w.search.query_outside_files([str(clip)])
    first = w.results_model.index(0)
    assert Path(first.data(RowRole).path) == long
    start, end = first.data(MomentRole)
    assert abs(start - 5.0) <= 2.0 and 2.0 <= end - start <= 5.0
    spans = first.data(SpansRole)
    assert spans and any(a <= start + 0.01 and end - 0.01 <= b for a, b in spans)
    # the tile's picture is the video's frame there, not its poster
    qtbot.waitUntil(lambda: bool(first.data(ThumbRole)), timeout=20_000)
    key = (first.data(RowRole).id, round((start + end) / 2, 1))
    assert w.results_model.thumbs.pixmap(key) is not None
    w.results.setCurrentIndex(first)
    qtbot.waitUntil(lambda: w.preview.current is not None, timeout=10_000)
    strip = w.preview.player.spans
    assert strip.isVisible() and len(strip.marks) == len(spans)
    assert abs(strip.marks[0][0] * 12.0 - spans[0][0]) < 0.3
