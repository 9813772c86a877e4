"""Pictures for guide entries (the write side): uploaded by the entries' writers, shown to
every reader at /guide/images/<name> (routes.py).

A writer uploads a picture and copies its Markdown line into an entry; the Markdown sanitiser
keeps images from these addresses only (allin/markdown.py). Pictures are public like the
guide itself, by an unguessable name; a picture of young people needs their photo consent,
which the uploader confirms on the form.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit, files
from ..errors import DomainError
from ..extensions import db
from ..images import CleanImage, clean_image
from ..models import GuideImage
from ..models.guide import ORIGINAL_NAME_LENGTH

FOLDER = "guide"


def clean(data: bytes) -> CleanImage:
    """The picture decoded and re-encoded without metadata (slow: before any write)."""
    return clean_image(data, max_pixels=current_app.config["IMAGE_MAX_PIXELS"])


def store(actor, clean: CleanImage, *, filename: str) -> GuideImage:
    """Store the cleaned picture for the actor's part of the guide."""
    _within_quota(actor, len(clean.data))
    image = GuideImage(
        name=files.save(FOLDER, clean.data, clean.extension),
        original_name=_display_name(filename),
        mime=clean.mime,
        width=clean.width,
        height=clean.height,
        size=len(clean.data),
        municipality_id=actor.municipality_id,
        uploaded_by=actor,
    )
    db.session.add(image)
    db.session.flush()
    audit.record("guide.image_uploaded", actor=actor, target=image)
    return image


def _within_quota(actor, size: int) -> None:
    """Each owner (the network, or one municipality) has room for GUIDE_IMAGES_MAX_MB."""
    limit_mb = current_app.config["GUIDE_IMAGES_MAX_MB"]
    used = db.session.scalar(
        select(func.coalesce(func.sum(GuideImage.size), 0)).where(
            GuideImage.municipality_id.is_(None)
            if actor.municipality_id is None
            else GuideImage.municipality_id == actor.municipality_id
        )
    )
    if used + size > limit_mb * 1024 * 1024:
        raise DomainError(
            _l(
                "There is no room for more pictures: together they may take %(mb)s MB. "
                "Delete pictures that are no longer used first.",
                mb=limit_mb,
            )
        )


def _display_name(filename: str) -> str:
    """The name as the uploader knew it, without any folder part; only ever shown as text."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    return name[-ORIGINAL_NAME_LENGTH:] or "picture"


def delete(actor, image: GuideImage) -> None:
    """Remove the row now and the file once that has committed."""
    files.delete_after_commit(FOLDER, image.name)
    audit.record("guide.image_deleted", actor=actor, target=image)
    db.session.delete(image)
