from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediabrowser import mediamaker
from mediabrowser.core.media.decode import AUDIO_RATE, load_audio, load_image, video_frames
from mediabrowser.core.media.probe import probe
from mediabrowser.core.types import MediaError, MediaKind


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    im = Image.new("RGB", (80, 40), (255, 0, 0))
    im.paste((0, 0, 255), (0, 0, 40, 40))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90° clockwise
    path = tmp_path / "rotated.jpg"
    im.save(path, exif=exif, quality=95)
    out = load_image(path)
    assert out.size == (40, 80)
    top = np.asarray(out)[5, 20]
    assert top[2] > 200 and top[0] < 60  # the blue half is now on top
    assert probe(path).width == 40  # type: ignore[union-attr]


def test_transparency_is_composited_on_white(tmp_path: Path) -> None:
    im = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    im.putpixel((0, 0), (255, 0, 0, 255))
    path = tmp_path / "alpha.png"
    im.save(path)
    arr = np.asarray(load_image(path))
    assert tuple(arr[5, 5]) == (255, 255, 255)
    assert tuple(arr[0, 0]) == (255, 0, 0)


def test_jpeg_draft_decoding_keeps_the_short_side(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (10, 120, 30)).save(path)
    out = load_image(path, min_side=224)
    assert min(out.size) >= 224 and out.size[0] < 4000


def test_video_frames_are_sampled_evenly_and_exactly(tmp_path: Path) -> None:
    colours = [(i * 25, 255 - i * 25, (i * 97) % 256) for i in range(10)]
    frames = [Image.new("RGB", (64, 48), c) for c in colours]
    path = mediamaker.video_from_frames(frames, tmp_path / "ten.mp4", fps=5)
    got = video_frames(path, n=5)
    assert len(got) == 5
    # centres of five equal spans of ten frames: indices 1, 3, 5, 7, 9
    for img, idx in zip(got, (1, 3, 5, 7, 9), strict=True):
        mean = np.asarray(img, dtype=np.float32).reshape(-1, 3).mean(axis=0)
        assert np.abs(mean - np.array(colours[idx])).max() < 12, (idx, mean)


def test_audio_is_16k_mono_and_length_capped(tmp_path: Path) -> None:
    src = mediamaker.tone(tmp_path / "stereo.wav", "sine=frequency=440:sample_rate=44100",
                          seconds=2)
    stereo = tmp_path / "st.wav"
    mediamaker.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(src), "-ac", "2",
                    str(stereo)])
    wav = load_audio(stereo)
    assert wav.dtype == np.float32 and wav.ndim == 1
    assert abs(len(wav) - 2 * AUDIO_RATE) < 400
    assert len(load_audio(stereo, max_seconds=0.5)) <= AUDIO_RATE // 2 + 200
    mp3 = mediamaker.convert_audio(src, tmp_path / "t.mp3")
    assert abs(len(load_audio(mp3)) - 2 * AUDIO_RATE) < 2000


def _bomb_png(path: Path, side: int = 20_000) -> None:
    """A valid 1-bit PNG whose header declares side×side pixels (compresses to a few KB)."""
    raw = b"".join(b"\x00" + b"\x00" * (side // 8) for _ in range(side))
    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                     chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    good = d / "good.jpg"
    Image.new("RGB", (400, 300), (30, 90, 200)).save(good)
    files = {"empty": d / "empty.jpg", "truncated": d / "truncated.jpg",
             "mislabelled": d / "notes.png", "bomb": d / "bomb.png",
             "corrupt_video": d / "broken.mp4", "corrupt_audio": d / "broken.wav"}
    files["empty"].write_bytes(b"")
    files["truncated"].write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    files["mislabelled"].write_text("this is a text file, not a picture\n" * 20)
    _bomb_png(files["bomb"])
    files["corrupt_video"].write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    files["corrupt_audio"].write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(100))
    return files


@pytest.mark.parametrize("case,needle", [
    ("empty", "empty file"),
    ("truncated", "truncated"),
    ("mislabelled", "^not a picture: this is a text file$"),
    ("bomb", "^too large to decode: 20000×20000 \\(400 megapixels"),
    ("corrupt_video", "^(no picture in this file: damaged|truncated: the file ends early)"),
    ("corrupt_audio", "^damaged"),
])
def test_each_bad_input_gets_a_clear_reason(bad_files: dict[str, Path], case: str,
                                            needle: str) -> None:
    path = bad_files[case]
    with pytest.raises(MediaError, match=needle):
        result = probe(path)
        assert result is not None
        if result.kind is MediaKind.IMAGE:
            load_image(path)
        elif result.kind is MediaKind.VIDEO:
            video_frames(path)
        else:
            load_audio(path)


def test_unreadable_file_is_reported_not_raised_oddly() -> None:
    """Permission denied, checked for real: as root, in a child process that drops to 'nobody'."""
    folder = Path(tempfile.mkdtemp(prefix="mb-perm-"))
    try:
        os.chmod(folder, 0o755)
        path = folder / "private.jpg"
        Image.new("RGB", (20, 20)).save(path)
        os.chmod(path, 0o000)
        if os.geteuid() != 0:
            with pytest.raises(MediaError, match="permission denied"):
                probe(path)
            return
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: become nobody, try to probe, report the message
            os.close(r)
            try:
                os.setgid(65534)
                os.setuid(65534)
                probe(path)
                msg = b"no error"
            except MediaError as exc:
                msg = str(exc).encode()
            except BaseException as exc:  # noqa: BLE001
                msg = f"other: {type(exc).__name__}: {exc}".encode()
            os.write(w, msg)
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            msg_text = f.read().decode()
        os.waitpid(pid, 0)
        assert msg_text == "cannot read file: permission denied"
    finally:
        os.chmod(folder / "private.jpg", 0o644)
        import shutil

        shutil.rmtree(folder)
