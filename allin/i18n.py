"""Languages: Norwegian bokmål first, English second; dates and numbers follow the locale."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from .extensions import babel

# Browsers say "no", "nb-NO" or "nn" for Norwegian; all of them get bokmål.
NORWEGIAN_ALIASES = ("no", "nn")
LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "en": "English"}


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


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel 4 does not put these in Jinja's globals itself.
    app.jinja_env.globals.update(
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
