"""Languages: Norwegian bokmål first, English second; dates and numbers follow the locale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from babel import Locale, dates, numbers
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .enums import Language
from .extensions import babel
from .fields import country_name
from .locales import current_locale, current_timezone

# Browsers say "no", "nb-NO" or "nn" for Norwegian; all of them get bokmål.
NORWEGIAN_ALIASES = ("no", "nn")
LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "en": "English"}
# The interface language "en" is formatted the British way (day first, 24-hour clock), which
# Nordic readers expect; Babel's plain "en" is American (11/25/26, 1:45 PM). Only formats
# change: the messages still come from the "en" (source) and "nb" catalogues.
FORMAT_LOCALES = {"en": "en_GB", "nb": "nb_NO"}


def select_locale() -> str:
    """The user's choice (session, then account), then Accept-Language, then bokmål."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and background work: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    best = request.accept_languages.best_match([*languages, *NORWEGIAN_ALIASES])
    if best in NORWEGIAN_ALIASES:
        return "nb"
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def reader_language() -> Language:
    """The interface language as the language of content (guide entries)."""
    language = str(current_locale() or "nb")[:2]
    return Language(language) if language in Language._value2member_map_ else Language.NB


def format_locale() -> Locale:
    """The locale used for dates and numbers: the interface language, British for English."""
    language = str(current_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return _parsed_locale(FORMAT_LOCALES.get(language, language))


@lru_cache(maxsize=16)
def _parsed_locale(identifier: str) -> Locale:
    """One Locale per identifier for the process: parsing it (and loading its data into a new
    object) on every date or number a page shows cost more than formatting it."""
    return Locale.parse(identifier)


def format_datetime(value: datetime, format: str = "medium") -> str:
    """A moment in the configured time zone; a naive value is taken as UTC. As Babel's
    format_datetime, from one pattern made once per locale and length (Babel formats the
    date and the time apart and joins them: ~3 times the work, on every timeline line)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone, locale = current_timezone(), format_locale()
    if format in ("full", "long", "medium", "short"):
        value = value.astimezone(zone)
        if hasattr(zone, "normalize"):  # pytz
            value = zone.normalize(value)
        return _datetime_pattern(format, locale).apply(value, locale)
    return dates.format_datetime(value, format, tzinfo=zone, locale=locale)


@lru_cache(maxsize=32)
def _datetime_pattern(format: str, locale: Locale) -> dates.DateTimePattern:
    """Babel's date and time patterns of `format`, joined as its datetime format joins them."""
    glue = str(dates.get_datetime_format(format, locale=locale))
    day = dates.get_date_format(format, locale=locale).pattern
    moment = dates.get_time_format(format, locale=locale).pattern
    return dates.parse_pattern(glue.replace("{0}", moment).replace("{1}", day))


def format_date(value: date | datetime, format: str = "medium") -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(current_timezone()).date()
    return dates.format_date(value, format, locale=format_locale())


def format_decimal(number: float, format: str | None = None) -> str:
    return _format_decimal(number, format, format_locale())


# A report shows a thousand figures; Babel takes ~40 µs for each, a repeated one costs nothing.
@lru_cache(maxsize=4096, typed=True)
def _format_decimal(number: float, format: str | None, locale: Locale) -> str:
    return numbers.format_decimal(number, format, locale=locale)


def request_gettext() -> dict:
    """`gettext` and `ngettext` for one render, bound to the request's catalogue.

    Flask-Babel's own template callables look the catalogue up again on every call (several
    context-local reads each); a page calls them dozens of times. These behave the same as
    Jinja's "newstyle" gettext: autoescaped, always %-formatted with the keyword arguments.
    Macros imported without context fall back to Flask-Babel's, with the same result.
    """
    translations = get_translations()

    @pass_context
    def gettext(context, string: str, /, **variables) -> str:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, /, **variables) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    # `_` too: Jinja's own `_` looks "gettext" up in the context again on every call.
    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(request_gettext)
    # Flask-Babel 4 does not put these in Jinja's globals itself.
    app.jinja_env.globals.update(
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        country_name=country_name,
    )
