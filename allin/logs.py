"""Logging: one format, to standard error, at ALLIN_LOG_LEVEL (default INFO).

Flask leaves its logger at WARNING outside debug mode, so the INFO lines the README promises
(e-mails written to the log, start-up notes) would never appear; here the level is the
operator's choice. gunicorn and `flask run` both pass standard error on to their own logs.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask
from flask.logging import default_handler

FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


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
    logger.setLevel(level)
