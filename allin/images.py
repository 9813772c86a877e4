"""Pictures people upload, made safe before anything keeps them (SECURITY.md 20, 21).

The type is read from the content, never the name; only JPEG, PNG and WebP are taken (no SVG:
it can carry script). Every picture is decoded and encoded again: the orientation is applied
and nothing else of the original survives — no EXIF, GPS, XMP or comments. A picture of more
than IMAGE_MAX_PIXELS pixels is refused before it is decoded (a decompression bomb).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

# Pillow's format name -> (MIME type, file extension, what `save` is given).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", "png", {"optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def clean_image(data: bytes, *, max_pixels: int) -> CleanImage:
    """`data` decoded and re-encoded without metadata; DomainError says what is wrong."""
    if not data:
        raise DomainError(_l("The file is empty."))
    image = _open(data, max_pixels)
    mime, extension, options = FORMATS[image.format]
    try:
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
        if image.format == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        # No exif=, icc_profile= or pnginfo=: the new file carries pixels only.
        upright.save(out, format=image.format, **options)
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or damaged pixel data
        raise DomainError(_l("The picture is damaged and cannot be read.")) from exc
    return CleanImage(out.getvalue(), mime, extension, upright.width, upright.height)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The picture, opened and checked: a known format, not too many pixels, decodable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=tuple(FORMATS))
            if image.width * image.height > max_pixels:
                raise DomainError(_too_many_pixels(max_pixels))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError(_too_many_pixels(max_pixels)) from exc
    except UnidentifiedImageError as exc:
        raise DomainError(_l("This is not a JPEG, PNG or WebP picture.")) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise DomainError(_l("The picture is damaged and cannot be read.")) from exc
    return image


def _too_many_pixels(max_pixels: int):
    return _l(
        "The picture has too many pixels (at most %(mp)s megapixels). Make it smaller first.",
        mp=max_pixels // 1_000_000,
    )
