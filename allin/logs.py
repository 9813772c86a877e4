"""Logging: one format, to standard error, at ALLIN_LOG_LEVEL (default INFO).

Flask leaves its logger at WARNING outside debug mode, so the INFO lines the README promises
(e-mails written to the log, start-up notes) would never appear; here the level is the
operator's choice. gunicorn and `flask run` both pass standard error on to their own logs.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback

from flask import Flask
from flask.logging import default_handler

FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"
# PostgreSQL names the clashing value in its error detail ("Key (email)=(kari@…) already
# exists"); statement parameters are hidden by the engine (hide_parameters), this covers the rest.
KEY_VALUE = re.compile(r"(Key \([^)]*\)=\().*?(\)( already exists| is not present|\s))")


class RedactKeyValues(logging.Filter):
    """Render a record's traceback once, without the values a database error names."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = KEY_VALUE.sub(r"\1[redacted]\2", text)
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record is emitted (tests replace it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def init_app(app: Flask) -> None:
    """Give the app's logger (and allin.* below it) one handler and the configured level."""
    level = str(app.config["LOG_LEVEL"]).upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        from .config import ConfigError

        raise ConfigError(f"ALLIN_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}.")
    logger = logging.getLogger(app.import_name)
    logger.removeHandler(default_handler)
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        logger.addHandler(StderrHandler())
    if not any(isinstance(f, RedactKeyValues) for f in logger.filters):
        logger.addFilter(RedactKeyValues())
    logger.setLevel(level)
