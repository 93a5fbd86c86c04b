from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from mediabrowser import mediamaker
from mediabrowser.core.media.probe import detect_kind
from mediabrowser.core.media.scan import iter_media_files
from mediabrowser.core.media.sniff import sniff_file
from mediabrowser.core.types import Cancelled, CancelToken, MediaKind


@pytest.fixture(scope="module")
def formats(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("formats")
    im = Image.new("RGB", (64, 48), (200, 30, 30))
    for ext in ("jpg", "png", "gif", "bmp", "tiff", "webp"):
        im.save(d / f"pic.{ext}")
    wav = mediamaker.tone(d / "snd.wav", "sine=frequency=300", seconds=1)
    for ext in ("flac", "ogg", "mp3", "m4a", "aiff"):
        mediamaker.convert_audio(wav, d / f"snd.{ext}")
    clip = mediamaker.video_from_photo(d / "pic.png", d / "clip.mp4", seconds=1, zoom=False)
    for ext in ("mkv", "avi", "webm"):
        mediamaker.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(clip),
                        str(d / f"clip.{ext}")])
    return d


@pytest.mark.parametrize("name,kind", [
    ("pic.jpg", "image"), ("pic.png", "image"), ("pic.gif", "image"), ("pic.bmp", "image"),
    ("pic.tiff", "image"), ("pic.webp", "image"),
    ("snd.wav", "audio"), ("snd.flac", "audio"), ("snd.ogg", "audio"), ("snd.mp3", "audio"),
    ("snd.m4a", "audio"), ("snd.aiff", "audio"),
    ("clip.mp4", "video"), ("clip.mkv", "video"), ("clip.avi", "video"), ("clip.webm", "video"),
])
def test_content_sniffing_recognises_each_format(formats: Path, name: str, kind: str) -> None:
    assert sniff_file(formats / name) == MediaKind(kind)


def test_content_wins_over_a_wrong_extension(formats: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "actually_a_song.jpg"
    wrong.write_bytes((formats / "snd.mp3").read_bytes())
    assert detect_kind(wrong) is MediaKind.AUDIO
    no_ext = tmp_path / "IMG0001"
    no_ext.write_bytes((formats / "pic.png").read_bytes())
    assert detect_kind(no_ext) is MediaKind.IMAGE
    text = tmp_path / "README"
    text.write_text("hello")
    assert detect_kind(text) is None


def test_scan_skips_hidden_and_system_folders_and_survives_symlink_loops(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "@eaDir").mkdir()
    for p in ("a/one.jpg", "a/b/two.MP4", ".hidden/secret.jpg", "@eaDir/thumb.jpg",
              "a/.dotfile.jpg", "a/notes.txt", "a/b/NOEXT"):
        (root / p).write_bytes(b"x")
    os.symlink(root, root / "a" / "b" / "loop")  # a loop back to the top
    os.mkfifo(root / "a" / "pipe.mp3")  # never opened: it would block a reader
    found = sorted(p.relative_to(root).as_posix() for p in iter_media_files([root]))
    assert found == ["a/b/NOEXT", "a/b/two.MP4", "a/one.jpg"]


def test_scan_accepts_single_files_and_reports_each_once(tmp_path: Path) -> None:
    f = tmp_path / "x.png"
    f.write_bytes(b"x")
    assert list(iter_media_files([f, tmp_path, f])) == [f]


def test_scan_honours_cancel(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "x.jpg").write_bytes(b"x")
    token = CancelToken()
    it = iter_media_files([tmp_path], token)
    next(it)
    token.cancel()
    with pytest.raises(Cancelled):
        list(it)
