"""Attachments (SECURITY 20-22): check the type from the content, re-encode images, store
under a random name in the instance folder, and keep files and rows in step.

* Images (JPEG, PNG, WebP) are opened by Pillow with a pixel cap (a decompression bomb is
  refused), verified, decoded in full (a truncated file is refused), turned upright from their
  EXIF orientation and saved again without any metadata: no EXIF, XMP, GPS, ICC or text
  chunks. The bytes that arrived are never written anywhere.
* PDFs are recognised by their ``%PDF-`` header and stored as sent; they are only ever
  downloaded (Content-Disposition: attachment), never shown inline.
* Anything else (SVG, HTML, a renamed file) is refused with a message.

A new file is written before its row is flushed and removed again if the transaction rolls
back; a deleted attachment's file is removed only after the deleting transaction commits.
"""

from __future__ import annotations

import io
import os
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..access import can_edit_concept
from ..errors import DomainError
from ..extensions import db
from ..fields import CONTROL
from ..models import Attachment, Concept, User
from ..models.concepts import FILENAME_LENGTH

FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
PDF = ("application/pdf", ".pdf")
NEW_FILES = "allin_new_files"
DOOMED_FILES = "allin_doomed_files"


class UploadRefused(DomainError):
    """The file cannot be stored; the message says why."""


@dataclass
class Prepared:
    data: bytes
    content_type: str
    extension: str


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / current_app.config["UPLOAD_FOLDER_NAME"]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def file_path(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


def clean_filename(name: str, extension: str) -> str:
    """The name to show and download under: the last path part, NFC, no control characters,
    at most FILENAME_LENGTH characters with the extension of what the file really is."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = CONTROL.sub("", unicodedata.normalize("NFC", base)).strip().strip(".")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip()[: FILENAME_LENGTH - len(extension)] or "file"
    return stem + extension


def _looks_like_markup(data: bytes) -> bool:
    head = data[:512].lstrip().lower()
    return head.startswith((b"<", b"\xef\xbb\xbf<")) or b"<svg" in head or b"<html" in head


def _open_image(data: bytes, max_side: int) -> Image.Image:
    """The decoded image, or UploadRefused: not an image we take, too many pixels, broken."""
    limit = current_app.config["IMAGE_MAX_PIXELS"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt in FORMATS and width * height <= limit:
                    probe.verify()
            if fmt not in FORMATS:
                raise UploadRefused(_l("Upload a JPEG, PNG or WebP image, or a PDF."))
            if width * height > limit:
                raise _too_many_pixels(limit)
            image = Image.open(io.BytesIO(data))
            if fmt == "JPEG" and max(width, height) > max_side:
                # Decode a large photo at a reduced scale (JPEG's DCT scaling, halving at
                # most down to 3/4 of the largest side we keep): it is made smaller anyway,
                # and this is several times faster. 4000 x 3000 is decoded as 2000 x 1500.
                factor = max_side * 3 / 4 / max(width, height)
                image.draft("RGB", (int(width * factor), int(height * factor)))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(limit) from None
        except UnidentifiedImageError:
            raise UploadRefused(_l("Upload a JPEG, PNG or WebP image, or a PDF.")) from None
        except (OSError, SyntaxError, ValueError):
            raise UploadRefused(
                _l("The image is damaged or incomplete. Save it again and upload it once more.")
            ) from None
    return image


def _too_many_pixels(limit: int) -> UploadRefused:
    return UploadRefused(
        _l(
            "The image has too many pixels (at most %(mp)s megapixels). Make it smaller first.",
            mp=limit // 1_000_000,
        )
    )


def reencode(data: bytes) -> Prepared:
    """A new file with only the pixels of the upload: upright, no metadata at all."""
    side = current_app.config["IMAGE_MAX_SIDE"]
    image = _open_image(data, side)
    fmt = image.format
    upright = ImageOps.exif_transpose(image)
    if max(upright.size) > side:
        upright.thumbnail((side, side), Image.Resampling.LANCZOS)
    if fmt == "JPEG":
        pixels = upright.convert("RGB") if upright.mode not in ("RGB", "L") else upright
    else:
        keep = ("RGB", "RGBA", "L", "LA")
        pixels = upright if upright.mode in keep else upright.convert("RGBA")
    # Nothing of the upload's info dict (EXIF, XMP, ICC profile, text chunks) is written:
    # it is emptied, and save() is given no metadata. The tests read the result back.
    pixels.info = {}
    out = io.BytesIO()
    options = {"JPEG": {"quality": 85}, "WEBP": {"quality": 85}}.get(fmt, {})
    pixels.save(out, format=fmt, **options)
    content_type, extension = FORMATS[fmt]
    return Prepared(out.getvalue(), content_type, extension)


def prepare(data: bytes) -> Prepared:
    """Decide from the content what the upload is and what will be stored."""
    if not data:
        raise UploadRefused(_l("The file is empty."))
    if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        raise UploadRefused(_l("The file is too large."))
    if data.startswith(b"%PDF-"):
        return Prepared(data, *PDF)
    if _looks_like_markup(data):
        raise UploadRefused(
            _l("SVG and HTML files cannot be uploaded: they can carry scripts. Use PNG or PDF.")
        )
    return reencode(data)


def add_attachment(
    concept: Concept, *, actor: User, data: bytes, filename: str, shows_people: bool = True
) -> Attachment:
    """Check, re-encode and store an upload for the concept (its editors only)."""
    if not can_edit_concept(actor, concept):
        raise DomainError(_l("You cannot add files to this concept."))
    limit = current_app.config["ATTACHMENTS_PER_CONCEPT"]
    have = db.session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.concept_id == concept.id)
    )
    if have >= limit:
        raise UploadRefused(
            _l("A concept can have at most %(count)s files. Remove one first.", count=limit)
        )
    prepared = prepare(data)
    stored_name = secrets.token_hex(16) + prepared.extension
    _write_new(stored_name, prepared.data)
    attachment = Attachment(
        municipality_id=concept.municipality_id,
        concept_id=concept.id,
        stored_name=stored_name,
        original_name=clean_filename(filename, prepared.extension),
        content_type=prepared.content_type,
        size=len(prepared.data),
        shows_people=bool(shows_people) and prepared.content_type != PDF[0],
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    audit.record("concept.file_added", actor=actor, target=concept)
    db.session.flush()
    return attachment


def delete_attachment(attachment: Attachment, concept: Concept, *, actor: User) -> None:
    """Remove the row now and the file once the deletion is committed."""
    if not can_edit_concept(actor, concept):
        raise DomainError(_l("You cannot remove files of this concept."))
    db.session.info.setdefault(DOOMED_FILES, []).append(file_path(attachment))
    db.session.delete(attachment)
    audit.record("concept.file_removed", actor=actor, target=concept)
    db.session.flush()


def _write_new(stored_name: str, data: bytes) -> None:
    path = upload_folder() / stored_name
    db.session.info.setdefault(NEW_FILES, []).append(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _remove(paths) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    session.info.pop(NEW_FILES, None)
    _remove(session.info.pop(DOOMED_FILES, []))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.nested:
        return  # a savepoint: the outer transaction still decides
    _remove(session.info.pop(NEW_FILES, []))
    session.info.pop(DOOMED_FILES, None)


def init_app(app) -> None:
    """Pillow's own bomb limit follows the setting too (it warns above it, fails at twice)."""
    Image.MAX_IMAGE_PIXELS = app.config["IMAGE_MAX_PIXELS"]
