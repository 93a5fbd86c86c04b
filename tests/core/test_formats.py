"""The formats people have: each decodes to the picture or sound it holds (compared with the
source it was made from), with the right kind, size and orientation."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediabrowser import mediamaker
from mediabrowser.core.media.decode import load_audio, load_image, video_frames
from mediabrowser.core.media.images import MAX_DECODE_PIXELS
from mediabrowser.core.media.probe import probe
from mediabrowser.core.media.thumbs import make_thumbnail
from mediabrowser.core.types import MediaError, MediaKind


@pytest.fixture(scope="module")
def source() -> Image.Image:
    return mediamaker.sample_photo("chelsea").convert("RGB")


def _diff(a: Image.Image, b: Image.Image) -> float:
    a = a.resize(b.size) if a.size != b.size else a
    return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean())


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-v", "error", *args], check=True)


def test_heic_and_avif_photos(tmp_path: Path, source: Image.Image) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    for name in ("iphone.heic", "photo.avif"):
        path = tmp_path / name
        source.save(path, quality=90)
        result = probe(path)
        assert result is not None and result.kind is MediaKind.IMAGE
        assert (result.width, result.height) == source.size
        assert _diff(load_image(path), source) < 6


def test_sixteen_bit_images_keep_their_brightness(tmp_path: Path, source: Image.Image) -> None:
    import cv2

    grey8 = source.convert("L")
    Image.fromarray(np.asarray(grey8).astype(np.uint16) * 257).save(tmp_path / "grey16.png")
    rgb16 = np.asarray(source)[:, :, ::-1].astype(np.uint16) * 257
    cv2.imwrite(str(tmp_path / "rgb16.png"), rgb16)
    cv2.imwrite(str(tmp_path / "rgb16.tif"), rgb16)
    assert _diff(load_image(tmp_path / "grey16.png"), grey8.convert("RGB")) < 1.0
    for name in ("rgb16.png", "rgb16.tif"):
        assert _diff(load_image(tmp_path / name), source) < 1.0, name


def test_cmyk_jpeg_has_the_right_colours(tmp_path: Path, source: Image.Image) -> None:
    source.convert("CMYK").save(tmp_path / "print.jpg", quality=95)
    assert _diff(load_image(tmp_path / "print.jpg"), source) < 8


def test_animations_give_their_first_frame(tmp_path: Path, source: Image.Image) -> None:
    frames = [source, source.rotate(180), source.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    for name in ("loop.gif", "loop.webp"):
        frames[0].save(tmp_path / name, save_all=True, append_images=frames[1:], duration=100,
                       loop=0)
        decoded = load_image(tmp_path / name)
        assert decoded.size == source.size
        assert _diff(decoded, source) < 25 < _diff(decoded, frames[1]), name


def test_audio_only_mp4_and_m4a_are_audio(tmp_path: Path) -> None:
    for name in ("voice-memo.m4a", "podcast.mp4"):
        path = tmp_path / name
        _ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:duration=2", "-c:a", "aac", str(path))
        result = probe(path)
        assert result is not None and result.kind is MediaKind.AUDIO, name
        assert result.duration == pytest.approx(2.0, abs=0.1)
        assert abs(len(load_audio(path)) - 32000) < 1500
        assert make_thumbnail(path, MediaKind.AUDIO).size[0] > 0


def test_rotated_phone_video_frames_and_poster_are_upright(tmp_path: Path,
                                                           source: Image.Image) -> None:
    still = tmp_path / "still.png"
    source.save(still)
    landscape = tmp_path / "landscape.mp4"
    _ffmpeg("-loop", "1", "-i", str(still), "-t", "1", "-r", "10", "-vf", "scale=320:-2",
            "-pix_fmt", "yuv420p", str(landscape))
    rotated = tmp_path / "portrait.mp4"  # as a phone held upright stores it
    _ffmpeg("-i", str(landscape), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated))
    reference = tmp_path / "reference.png"  # what ffmpeg itself shows for the rotated file
    _ffmpeg("-i", str(rotated), "-frames:v", "1", str(reference))
    shown = Image.open(reference).convert("RGB")
    assert shown.height > shown.width

    result = probe(rotated)
    assert result is not None and (result.width, result.height) == shown.size
    frame = video_frames(rotated, n=2)[0]
    assert frame.size == shown.size and _diff(frame, shown) < 8
    poster = make_thumbnail(rotated, MediaKind.VIDEO)
    assert poster.height > poster.width and _diff(poster, shown) < 10


def _dng(path: Path, preview: np.ndarray | None) -> None:
    """A DNG as cameras write it: a Bayer mosaic, with (or without) an RGB preview."""
    import tifffile

    rng = np.random.default_rng(0)
    cfa = rng.integers(0, 4000, (300, 450)).astype(np.uint16)
    dng = [(50706, "B", 4, (1, 4, 0, 0), True), (50708, "s", 0, "Test Camera", True)]
    cfa_tags = [(33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True),
                (50717, "H", 1, 4095, True)]
    with tifffile.TiffWriter(path) as tw:
        if preview is not None:
            tw.write(preview, photometric="rgb", subfiletype=1, subifds=1, extratags=dng)
            tw.write(cfa, photometric=32803, subfiletype=0, extratags=cfa_tags)
        else:
            tw.write(cfa, photometric=32803, subfiletype=0, extratags=dng + cfa_tags)


def test_camera_raw_through_its_embedded_preview(tmp_path: Path, source: Image.Image) -> None:
    _dng(tmp_path / "IMG_0001.dng", np.asarray(source))
    result = probe(tmp_path / "IMG_0001.dng")
    assert result is not None and result.kind is MediaKind.IMAGE
    assert _diff(load_image(tmp_path / "IMG_0001.dng"), source) < 1
    _dng(tmp_path / "no_preview.dng", None)  # developed by LibRaw instead
    assert load_image(tmp_path / "no_preview.dng").size == (225, 150)
    (tmp_path / "broken.nef").write_bytes(b"II*\x00" + bytes(range(256)) * 20)
    with pytest.raises(MediaError, match="^camera RAW: "):
        load_image(tmp_path / "broken.nef")


def test_huge_panorama_decodes_reduced_and_a_hostile_header_is_refused(tmp_path: Path) -> None:
    pano = tmp_path / "panorama.jpg"
    w, h = 24_000, 5_000  # 120 megapixels
    Image.new("RGB", (w, h), (90, 140, 200)).save(pano, quality=70)
    result = probe(pano)
    assert result is not None and (result.width, result.height) == (w, h)
    im = load_image(pano)
    assert im.width * im.height <= MAX_DECODE_PIXELS and im.width / im.height == pytest.approx(
        w / h, rel=0.01)
    assert load_image(pano, min_side=256).height >= 256
    png = tmp_path / "panorama.png"
    Image.new("1", (w, h)).save(png)
    with pytest.raises(MediaError, match="^too large to decode: 24000×5000"):
        load_image(png)


def test_waveform_of_a_long_recording_covers_all_of_it(tmp_path: Path) -> None:
    from mediabrowser.core.media.thumbs import waveform_overview

    long = tmp_path / "lecture.mp3"  # 12 minutes: quiet, then loud in the last two
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=600", "-f", "lavfi", "-i",
            "sine=frequency=300:duration=120", "-filter_complex",
            "[0]volume=0.05[a];[1]volume=1.0[b];[a][b]concat=n=2:v=0:a=1", "-b:a", "32k",
            str(long))
    result = probe(long)
    assert result is not None and result.duration == pytest.approx(720, abs=2)
    env = waveform_overview(long, 1200, result.duration)
    assert env.shape == (1200, 2)
    quiet, loud = np.abs(env[:900]).max(), np.abs(env[-150:]).min(axis=0).max()
    assert quiet < 0.2 and loud > 0.5  # the loud end is drawn at the end, where the head goes
