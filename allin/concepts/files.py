"""Attachments (SECURITY 20-22): check the type from the content, re-encode images, store
under a random name in the instance folder, and keep files and rows in step.

* Images (JPEG, PNG, WebP) are cleaned by allin/images.py, as the guide's pictures are: a
  pixel cap, verified, decoded in full, turned upright and saved again without any metadata.
  The bytes that arrived are never written anywhere.
* PDFs are recognised by their ``%PDF-`` header and stored as sent; they are only ever
  downloaded (Content-Disposition: attachment), never shown inline.
* Anything else (SVG, HTML, a renamed file) is refused with a message.

A new file is written before its row is flushed and removed again if the transaction rolls
back; a deleted attachment's file is removed only after the deleting transaction commits.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import case, event, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..fields import CONTROL
from ..images import UnknownFormat, clean_image
from ..models import (
    Attachment,
    AttachmentSubject,
    Concept,
    ConceptMember,
    Enrolment,
    Municipality,
    User,
)
from ..models.concepts import FILENAME_LENGTH
from .rules import can_edit_concept

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


def reencode(data: bytes) -> Prepared:
    """A new file with only the pixels of the upload: upright, no metadata at all."""
    config = current_app.config
    try:
        clean = clean_image(
            data, max_pixels=config["IMAGE_MAX_PIXELS"], max_side=config["IMAGE_MAX_SIDE"]
        )
    except UnknownFormat:
        raise UploadRefused(_l("Upload a JPEG, PNG or WebP image, or a PDF.")) from None
    except DomainError as exc:
        raise UploadRefused(str(exc)) from None
    return Prepared(clean.data, clean.mime, "." + clean.extension)


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
    concept: Concept,
    *,
    actor: User,
    data: bytes | Prepared,
    filename: str,
    shows_people: bool = True,
) -> Attachment:
    """Check, re-encode (unless `prepare` did already) and store an upload for the concept
    (its editors only)."""
    if not can_edit_concept(actor, concept):
        raise DomainError(_l("You cannot add files to this concept."))
    _lock_quotas(concept.municipality_id)
    limit = current_app.config["ATTACHMENTS_PER_CONCEPT"]
    have = db.session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.concept_id == concept.id)
    )
    if have >= limit:
        raise UploadRefused(
            _l("A concept can have at most %(count)s files. Remove one first.", count=limit)
        )
    prepared = data if isinstance(data, Prepared) else prepare(data)
    _within_quota(actor, concept.municipality_id, len(prepared.data))
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
    db.session.flush()
    _record_team(attachment)
    audit.record("concept.file_added", actor=actor, target=concept)
    db.session.flush()
    return attachment


def _record_team(attachment: Attachment) -> None:
    """Who is on the team now may be in the file: its public gate needs their consent."""
    team = select(Enrolment.ambassador_id).join(
        ConceptMember, ConceptMember.enrolment_id == Enrolment.id
    )
    team = team.where(
        ConceptMember.concept_id == attachment.concept_id, ConceptMember.left_at.is_(None)
    )
    db.session.add_all(
        AttachmentSubject(attachment_id=attachment.id, ambassador_id=ambassador_id)
        for ambassador_id in set(db.session.scalars(team))
    )


def _lock_quotas(municipality_id: int) -> None:
    """Uploads of one municipality count and add one after another: the concept's file
    count, the uploader's and the municipality's totals are all counted under this lock.

    PostgreSQL: a row lock on the municipality, held to the end of the transaction; two
    uploads that counted at once would otherwise both find room for one more. FOR NO KEY
    UPDATE does not block inserts that merely refer to the municipality. SQLite has no row
    locks (the clause is left out): its writers hold the one write lock from BEGIN IMMEDIATE."""
    db.session.execute(
        select(Municipality.id)
        .where(Municipality.id == municipality_id)
        .with_for_update(key_share=True)
    )


def _within_quota(actor: User, municipality_id: int, size: int) -> None:
    """One person's uploads, and one municipality's concept files, each have a limit."""
    config = current_app.config
    by_actor, in_municipality = db.session.execute(
        select(
            func.coalesce(
                func.sum(case((Attachment.uploaded_by_id == actor.id, Attachment.size), else_=0)),
                0,
            ),
            func.coalesce(func.sum(Attachment.size), 0),
        ).where(Attachment.municipality_id == municipality_id)
    ).one()
    mb = 1024 * 1024
    if by_actor + size > config["ATTACHMENTS_USER_MAX_MB"] * mb:
        raise UploadRefused(
            _l(
                "You have no room for more files: your uploads may take %(mb)s MB together. "
                "Remove files you no longer need first.",
                mb=config["ATTACHMENTS_USER_MAX_MB"],
            )
        )
    if in_municipality + size > config["ATTACHMENTS_MUNICIPALITY_MAX_MB"] * mb:
        raise UploadRefused(
            _l(
                "Your municipality has no room for more concept files: together they may take "
                "%(mb)s MB. Ask a coordinator to remove files that are no longer needed.",
                mb=config["ATTACHMENTS_MUNICIPALITY_MAX_MB"],
            )
        )


def delete_attachment(attachment: Attachment, concept: Concept, *, actor: User) -> None:
    """Remove the row now and the file once the deletion is committed."""
    if not can_edit_concept(actor, concept):
        raise DomainError(_l("You cannot remove files of this concept."))
    db.session.info.setdefault(DOOMED_FILES, []).append(file_path(attachment))
    db.session.delete(attachment)
    audit.record("concept.file_removed", actor=actor, target=concept)
    db.session.flush()


def forget_after_commit(stored_names) -> None:
    """These files go once the transaction that deleted their rows commits (erasure)."""
    doomed = db.session.info.setdefault(DOOMED_FILES, [])
    doomed.extend(upload_folder() / name for name in stored_names)


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
