"""The certificate (staff who see the ambassador, and the ambassador themself) and its public
verification page."""

from __future__ import annotations

from functools import lru_cache

from flask import abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import Perm, public, require
from ..handover import qr_svg
from ..i18n import reader_language
from ..transactions import write_apart
from ..urls import external_url
from . import bp, selectors, services

LANGUAGES = ("nb", "en")


@lru_cache(maxsize=512)
def _qr(link: str, label: str):
    """Drawing a QR code costs about 8 ms; a certificate's address never changes."""
    return qr_svg(link, label)


@bp.get("/ambassadors/<int:ambassador_id>/certificate")
@require(Perm.ENROL, Perm.VIEW_COHORTS)
def show(ambassador_id: int):
    """One printable A4 page, in Norwegian or English (?lang=), whatever the reader's own
    language; the first opening makes its verification address."""
    ambassador = selectors.ambassador_page(current_user, ambassador_id)
    if ambassador.erased_at is not None:
        abort(404)
    contents = selectors.contents(current_user, ambassador)
    if contents is None:
        return render_template("certificates/none.html", ambassador=ambassador), 404
    token = selectors.token_of(current_user, ambassador)
    if token is None:
        with write_apart():  # the address, once; the page only reads
            token = services.ensure_token(ambassador)
    language = request.args.get("lang", "")
    if language not in LANGUAGES:
        language = str(reader_language())
    with force_locale(language):
        link = external_url("certificates.verify", token=token)  # never the Host header
        html = render_template(
            "certificates/show.html",
            ambassador=ambassador,
            c=contents,
            link=link,
            qr=_qr(link, _("QR code of the address that shows this certificate is genuine")),
            language=language,
            other=[code for code in LANGUAGES if code != language][0],
        )
    if ambassador.user_id != current_user.id:
        # Who of staff saw it, written once the page is made (before it is sent): nothing on
        # it is read again after the write.
        with write_apart():
            audit.record("ambassador.viewed", actor=current_user, target=ambassador)
    return html


@bp.get("/certificates/<token>")
@public
def verify(token: str):
    """Anyone with the address sees that the certificate is genuine: the first name and the
    last name's initial, the programme and the years - nothing more, and not for search
    engines."""
    verified = selectors.verify(token[:100])
    if verified is None:
        abort(404)
    response = render_template("certificates/verify.html", verified=verified)
    return response, 200, {"X-Robots-Tag": "noindex, nofollow"}
