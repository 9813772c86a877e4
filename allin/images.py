"""Pictures people upload, made safe before anything keeps them (SECURITY.md 20, 21).

The type is read from the content, never the name; only JPEG, PNG and WebP are taken (no SVG:
it can carry script). A picture of more than `max_pixels` pixels is refused before it is
decoded (a decompression bomb); the rest is verified, decoded in full (a truncated file is
refused), turned upright from its EXIF orientation, made at most `max_side` pixels on its
longest side, and saved again with nothing of the original but its pixels: no EXIF, GPS, XMP,
ICC profile or text chunks. Used by the guide's pictures and by concept attachments.
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
    "JPEG": ("image/jpeg", "jpg", {"quality": 85}),
    "PNG": ("image/png", "png", {}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}
# Phones' HDR and depth photos are JPEGs with more images inside (Pillow says "MPO"): the
# first image is the photo, kept as a plain JPEG.
ALIASES = {"MPO": "JPEG"}


class UnknownFormat(DomainError):
    """Not a JPEG, PNG or WebP picture (a caller that takes other files says so itself)."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def clean_image(data: bytes, *, max_pixels: int, max_side: int | None = None) -> CleanImage:
    """`data` decoded and re-encoded without metadata; DomainError says what is wrong."""
    if not data:
        raise DomainError(_l("The file is empty."))
    image = _open(data, max_pixels, max_side)
    fmt = ALIASES.get(image.format, image.format)
    mime, extension, options = FORMATS[fmt]
    upright = ImageOps.exif_transpose(image)
    if max_side and max(upright.size) > max_side:
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if fmt == "JPEG":
        pixels = upright if upright.mode in ("RGB", "L") else upright.convert("RGB")
    else:
        keep = ("RGB", "RGBA", "L", "LA")
        pixels = upright if upright.mode in keep else upright.convert("RGBA")
    pixels.info = {}  # nothing of the upload's EXIF, XMP, ICC or text chunks goes along
    out = io.BytesIO()
    pixels.save(out, format=fmt, **options)
    return CleanImage(out.getvalue(), mime, extension, pixels.width, pixels.height)


def _open(data: bytes, max_pixels: int, max_side: int | None) -> Image.Image:
    """The decoded picture: a format we take, not too many pixels, not damaged."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt, (width, height) = ALIASES.get(probe.format, probe.format), probe.size
                if fmt not in FORMATS:
                    raise UnknownFormat(_l("This is not a JPEG, PNG or WebP picture."))
                if width * height > max_pixels:
                    raise _too_many_pixels(max_pixels)
                probe.verify()
            image = Image.open(io.BytesIO(data))
            if fmt == "JPEG" and max_side and max(width, height) > max_side:
                # Decode a large photo at a reduced scale (JPEG's DCT scaling, down to no less
                # than 3/4 of the side we keep): it is made smaller anyway, several times faster.
                factor = max_side * 3 / 4 / max(width, height)
                image.draft("RGB", (int(width * factor), int(height * factor)))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels) from None
        except UnidentifiedImageError:
            raise UnknownFormat(_l("This is not a JPEG, PNG or WebP picture.")) from None
        except (OSError, SyntaxError, ValueError):
            raise DomainError(
                _l("The picture is damaged or incomplete. Save it again and upload it once more.")
            ) from None
    return image


def _too_many_pixels(max_pixels: int) -> DomainError:
    return DomainError(
        _l(
            "The picture has too many pixels (at most %(mp)s megapixels). Make it smaller first.",
            mp=max_pixels // 1_000_000,
        )
    )
