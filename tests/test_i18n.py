"""Languages: choice, then Accept-Language, then bokmål; the nb catalogue is complete."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "allin/translations/nb/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
pytestmark = pytest.mark.usefixtures("world")  # an account exists: no /setup redirect

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def html_lang(response) -> str:
    return re.search(rb'<html lang="([a-z]+)"', response.data).group(1).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "nb"),
        ("nb-NO,nb;q=0.9,en;q=0.5", "nb"),
        ("no", "nb"),
        ("nn-NO", "nb"),
        ("en-GB,en;q=0.8", "en"),
        ("sv-SE", "nb"),
        ("de-DE,en;q=0.5", "en"),
    ],
)
def test_accept_language(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    assert html_lang(client.get("/", headers=headers)) == expected


def test_choice_in_session_beats_accept_language(client):
    response = client.post(
        "/language", data={"lang": "en", "next": "/?x=1"}, headers={"Accept-Language": "nb"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/?x=1"
    page = client.get("/", headers={"Accept-Language": "nb"})
    assert html_lang(page) == "en"
    assert b"A cool and safe city for all youth" in page.data


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com", "/\\evil"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/language", data={"lang": "nb", "next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "en"


def test_norwegian_formatting(client):
    page = client.get("/").data.decode()
    assert "Siden 2017" in page
    assert "1\xa0300" in page  # CLDR: non-breaking space as thousands separator in nb


def _not_hidden(dirpath: str) -> bool:
    """Babel skips folders starting with "_" by default, which hid templates/_macros/."""
    name = Path(dirpath).name
    return not name.startswith(".") and name != "__pycache__"


def _extracted_ids() -> set[str]:
    ids = set()
    for directory, method in (("allin", "python"), ("templates", "jinja2")):
        mapping = (
            [("**.py", "python")]
            if method == "python"
            else [("**.html", "jinja2"), ("**.txt", "jinja2")]
        )
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / directory, mapping, keywords=KEYWORDS, directory_filter=_not_hidden
        ):
            ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_message_has_a_bokmaal_translation():
    with PO.open("rb") as fh:
        catalogue = read_po(fh)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and m.string and all(m.string) and "fuzzy" not in m.flags
    }
    missing = sorted(_extracted_ids() - translated)
    assert missing == [], f"untranslated in nb (see README, Translations): {missing}"


def test_placeholders_survive_translation():
    with PO.open("rb") as fh:
        catalogue = read_po(fh)
    pattern = re.compile(r"%\((\w+)\)s")
    for message in catalogue:
        if message.id and message.string:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            msgstr = message.string if isinstance(message.string, str) else message.string[0]
            assert set(pattern.findall(msgid)) == set(pattern.findall(msgstr)), msgid


def test_compiled_catalogue_is_up_to_date():
    def plain(value):
        return value if isinstance(value, str) else tuple(value)

    with PO.open("rb") as fh:
        po = {plain(m.id): plain(m.string) for m in read_po(fh) if m.id and m.string}
    with MO.open("rb") as fh:
        mo = {plain(m.id): plain(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "run: pybabel compile -d allin/translations"


def test_the_accounts_language_applies_after_signing_in(app, client, world, login):
    from allin.extensions import db
    from allin.models import User

    with app.app_context():
        db.session.get(User, world.a["coordinator"].id).language = "en"
        db.session.commit()
    assert html_lang(client.get("/", headers={"Accept-Language": "nb"})) == "nb"
    login(world.a["coordinator"])
    assert html_lang(client.get("/", headers={"Accept-Language": "nb"})) == "en"
    client.post("/language", data={"lang": "nb"})  # the switch wins, and is remembered
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "nb"
    with app.app_context():
        assert db.session.get(User, world.a["coordinator"].id).language == "nb"


def test_template_gettext_translates_escapes_and_formats(app):
    """Templates get a gettext bound to the request's catalogue (allin/i18n.py): it must
    behave as Jinja's own newstyle gettext — translated, autoescaped, %-formatted."""
    source = (
        "{{ _('Sign out') }}|{{ _('Born %(year)s', year=y) }}|{{ _('Hello %(x)s', x=x) }}|"
        "{{ ngettext('%(num)s invitation waiting', '%(num)s invitations waiting', 2) }}"
    )
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        out = render_template_string(source, y=2010, x="<b>")
    signed_out, born, hello, waiting = out.split("|")
    assert signed_out == "Logg ut"
    assert born == "Født 2010"
    assert hello == "Hello &lt;b&gt;"
    assert waiting == "2 invitasjoner venter på svar"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_moments_are_formatted_as_babel_formats_them(app, language):
    """i18n.format_datetime joins Babel's date and time patterns once per locale and length:
    the text must be Babel's own, in summer and winter time and across the changes, and a
    forced locale (e-mails in the recipient's language) must win over the request's."""
    from babel import dates
    from flask_babel import force_locale

    from allin import i18n
    from allin.enums import ConceptStage
    from allin.locales import current_timezone

    start = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # the night summer time begins
    moments = [start + timedelta(minutes=37 * i) for i in range(200)]
    moments += [
        datetime(2026, 10, 25, 0, 15, tzinfo=UTC) + timedelta(minutes=20 * i) for i in range(12)
    ]
    with app.test_request_context(headers={"Accept-Language": language}):
        locale, zone = i18n.format_locale(), current_timezone()
        assert str(locale) == {"nb": "nb_NO", "en": "en_GB"}[language]
        for moment in moments:
            for length in ("short", "medium", "long", "full"):
                want = dates.format_datetime(moment, length, tzinfo=zone, locale=locale)
                assert i18n.format_datetime(moment, length) == want
        naive = datetime(2026, 7, 1, 10, 0)  # taken as UTC: 12:00 in Oslo
        assert i18n.format_datetime(naive, "short").endswith("12:00")
        other = "en" if language == "nb" else "nb"
        label = str(ConceptStage.LAUNCHED.label)
        with force_locale(other):
            assert str(ConceptStage.LAUNCHED.label) != label
            assert i18n.format_datetime(naive, "short") == dates.format_datetime(
                naive.replace(tzinfo=UTC), "short", tzinfo=zone, locale=i18n.format_locale()
            )
        assert str(ConceptStage.LAUNCHED.label) == label
