"""Decode photos for the models and thumbnails: every format people have, bounded memory.

- JPEG, PNG, WebP, GIF, BMP, TIFF through Pillow; HEIC/HEIF (iPhones) through pillow-heif;
  AVIF through Pillow's own plugin (or pillow-heif); camera RAW through the preview embedded
  in the file (rawpy / LibRaw).
- EXIF orientation applied; transparency composited on white; 16-bit, CMYK and palette images
  converted to 8-bit RGB without clipping; animated GIF/WebP give their first frame.
- Memory is bounded: above MAX_DECODE_PIXELS a JPEG decodes at a reduced scale (DCT scaling)
  and other formats are refused with their size, so no file can make the process balloon.
Files are only ever opened for reading.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from mediabrowser.core.media import reasons
from mediabrowser.core.media.decoder_registry import decoder_for, register_decoder
from mediabrowser.core.media.files import check_readable, native_path
from mediabrowser.core.media.sniff import RAW_EXTS
from mediabrowser.core.media.taken import photo_facts
from mediabrowser.core.types import MediaError

# Our own guard replaces Pillow's (which refuses a 200-megapixel panorama outright): decoded
# pixels are capped, a JPEG above the cap decodes reduced. 100 MP of RGB is 300 MB.
MAX_DECODE_PIXELS = 100_000_000
# Header dimensions beyond this are not a photograph but a damaged or hostile file.
MAX_HEADER_PIXELS = 2_000_000_000
Image.MAX_IMAGE_PIXELS = None
# Pillow's warnings (broken EXIF, palette notes) are about a file, not for the user's terminal;
# set once here because catch_warnings() is not safe across the decode threads.
warnings.filterwarnings("ignore", module=r"PIL(\..*)?$")
ImageFile.LOAD_TRUNCATED_IMAGES = False

_plugins_lock = threading.Lock()
_plugins_ready = False


def _register_plugins() -> None:
    """HEIF (and AVIF when Pillow lacks it) come from pillow-heif, registered once."""
    global _plugins_ready
    if _plugins_ready:
        return
    with _plugins_lock:
        if _plugins_ready:
            return
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
            if "AVIF" not in Image.registered_extensions().values() and hasattr(
                    pillow_heif, "register_avif_opener"):
                pillow_heif.register_avif_opener()
        except ImportError:  # HEIC files then get a clear "not supported" reason
            pass
        _plugins_ready = True


def is_raw(path: str | Path) -> bool:
    return Path(path).suffix.lower() in RAW_EXTS


def image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) as shown, EXIF orientation applied; reads only the header."""
    w, h, _taken, _camera = image_header(path)
    return w, h


def image_header(path: str | Path) -> tuple[int, int, float | None, str | None]:
    """(width, height as shown, when taken, camera) from the header (core/media/taken.py)."""
    check_readable(path)
    if is_raw(path):
        im = _raw_preview(path)
        return (*im.size, None, None)
    _register_plugins()
    try:
        with Image.open(path) as im:
            w, h = im.size
            _check_header(w, h)
            orientation = _orientation(im)
            try:
                taken, camera = photo_facts(im.getexif())
            except Exception:  # noqa: BLE001 - a broken EXIF block is not fatal
                taken, camera = None, None
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem
        raise image_error(exc, path) from None
    if orientation in (5, 6, 7, 8):  # turned on its side
        w, h = h, w
    return w, h, taken, camera


def load_image(path: str | Path, min_side: int | None = None) -> Image.Image:
    """Decode to 8-bit RGB with EXIF orientation applied and transparency on white.

    `min_side` lets JPEG decode at a reduced scale (DCT scaling) while keeping the shorter side at
    least that long: several times faster for camera photos, same pixels after resizing.
    """
    check_readable(path)
    decoder = decoder_for("image", path)
    if decoder is not None:
        try:
            return _to_rgb(decoder(str(path), min_side))
        except MediaError:
            raise
        except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem
            raise image_error(exc, path) from None
    return decode_with_pillow(path, min_side)


def decode_with_pillow(path: str | Path, min_side: int | None = None) -> Image.Image:
    """load_image through Pillow (and its plugins), whatever decoder is registered."""
    _register_plugins()
    try:
        with Image.open(path) as im:
            w, h = im.size
            _check_header(w, h)
            if im.format == "JPEG":
                _draft_jpeg(im, min_side)
            elif w * h > MAX_DECODE_PIXELS:
                raise MediaError(
                    f"too large to decode: {w}×{h} ({w * h / 1e6:.0f} megapixels; this app "
                    f"decodes up to {MAX_DECODE_PIXELS / 1e6:.0f} megapixels except for JPEG)")
            im.load()  # the first frame of an animation
            try:
                out = ImageOps.exif_transpose(im) or im
            except Exception:  # noqa: BLE001 - a broken EXIF block: keep the picture as stored
                out = im
            return _to_rgb(out)
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem
        raise image_error(exc, path) from None


def _draft_jpeg(im: Any, min_side: int | None) -> None:
    """Ask libjpeg for a reduced decode (1/2, 1/4 or 1/8): down to `min_side` when given, and
    always under the pixel cap."""
    w, h = im.size
    scale = min(1.0, min_side / max(1, min(w, h))) if min_side else 1.0
    denom = 1
    while denom < 8 and w * h / (denom * denom) > MAX_DECODE_PIXELS:
        denom *= 2  # draft() picks the smallest scale at least as large as asked
    scale = min(scale, 1.0 / denom)
    if scale < 1.0:
        im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
    dw, dh = im.size
    if dw * dh > MAX_DECODE_PIXELS:  # DCT scaling stops at 1/8
        raise MediaError(f"too large to decode: {w}×{h} ({w * h / 1e6:.0f} megapixels)")


def _check_header(w: int, h: int) -> None:
    if w <= 0 or h <= 0:
        raise MediaError("damaged: the picture has no size")
    if w * h > MAX_HEADER_PIXELS:
        raise MediaError(f"damaged or hostile: the header claims {w}×{h} pixels")


def _orientation(im: Image.Image) -> int | None:
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - a broken EXIF block is not fatal
        return None
    return value if isinstance(value, int) else None


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _high_depth_to_rgb(im)
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
            im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode != "RGB":
        return im.convert("RGB")  # CMYK (Adobe-inverted too), YCbCr, L, 1, P
    return im.copy() if im.readonly else im


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greyscale scaled to 8 bits (Pillow's convert would clip at
    255), in integer steps that need no more than one extra copy of the picture."""
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float32).copy()
        np.nan_to_num(a, copy=False)
        lo, hi = float(a.min()), float(a.max())
        if hi > lo:
            a -= lo
            a *= 255.0 / (hi - lo)
        else:
            a[:] = 0
        grey = a.astype(np.uint8)
    else:
        a = np.asarray(im)
        if a.dtype.kind == "i":
            a = np.clip(a, 0, None)
        hi = int(a.max()) if a.size else 0
        shift = max(0, hi.bit_length() - 8)  # 16-bit data: >> 8; 8-bit data in an "I" image: 0
        grey = (np.right_shift(a, shift) if shift else a).astype(np.uint8)
    return Image.fromarray(grey, "L").convert("RGB")


def _fit(im: Image.Image, min_side: int | None) -> Image.Image:
    if min_side and min(im.size) > min_side * 2:
        scale = min_side / min(im.size)
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))),
                       Image.Resampling.BILINEAR)
    return im


def decode_raw(path: str | Path, min_side: int | None = None) -> Image.Image:
    """A camera RAW file for the models: its preview, shrunk towards `min_side`."""
    return _fit(_raw_preview(path), min_side)


def _raw_preview(path: str | Path) -> Image.Image:
    """A camera RAW file as the camera showed it: its embedded preview (fast), or, when it has
    none, LibRaw's own development at half size."""
    try:
        import rawpy
    except ImportError:
        raise MediaError("camera RAW: not supported yet on this installation") from None
    try:
        with rawpy.imread(native_path(path)) as raw:
            flip = {3: 180, 5: 90, 6: 270}.get(int(getattr(raw.sizes, "flip", 0) or 0))
            try:
                thumb = raw.extract_thumb()
            except rawpy.LibRawNoThumbnailError:
                rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
                return Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
            if thumb.format == rawpy.ThumbFormat.JPEG:
                import io

                with Image.open(io.BytesIO(bytes(thumb.data))) as im:
                    _draft_jpeg(im, None)
                    im.load()
                    out = _to_rgb(ImageOps.exif_transpose(im) or im)
                return out  # the JPEG's own EXIF says how it is turned
            out = Image.fromarray(np.ascontiguousarray(thumb.data, dtype=np.uint8)).convert("RGB")
            return out.rotate(flip, expand=True) if flip else out
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - LibRaw's errors name no cause a person can use
        name = type(exc).__name__
        if "FileUnsupported" in name:
            raise MediaError("camera RAW: not readable (damaged, or this camera's format is not "
                             "supported yet)") from None
        if "IOError" in name or "DataError" in name or "TooBig" in name:
            raise MediaError("camera RAW: damaged (the raw data cannot be read)") from None
        raise MediaError("camera RAW: damaged, or a variant not supported yet") from None


def image_error(exc: BaseException, path: str | Path) -> MediaError:
    """The reason a picture could not be decoded, in plain words."""
    if isinstance(exc, MediaError):
        return exc
    if isinstance(exc, UnidentifiedImageError):
        ext = Path(path).suffix.lower()
        if ext in (".heic", ".heif"):
            try:
                import pillow_heif  # noqa: F401
            except ImportError:
                return MediaError("HEIC photo: needs pillow-heif, which is not installed")
        return MediaError(reasons.not_kind_reason("a picture", path))
    if (isinstance(exc, OSError) and (exc.errno is not None or isinstance(exc, PermissionError))
            and not str(exc).lower().startswith(("image file", "broken"))):
        return MediaError(reasons.from_os_error(exc))
    if isinstance(exc, MemoryError):
        return MediaError("too large to decode with the memory this computer has")
    return MediaError(reasons.from_message(
        str(exc), "damaged: the picture data cannot be decoded"))


for _ext in sorted(RAW_EXTS):  # the app's own: camera RAW through LibRaw
    register_decoder("image", _ext, decode_raw)
