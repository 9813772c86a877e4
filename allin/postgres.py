"""PostgreSQL: a transaction begins at the first statement that writes or locks.

The driver normally sends BEGIN before a request's first query and the pool sends ROLLBACK
when the request ends. For a page that only reads, those are two round trips more than its
queries (a guide page kept for visitors has one), and the ROLLBACK also makes psycopg forget the
statements it had prepared. So connections leave the pool in autocommit, and
plain SELECTs run on their own. Under READ COMMITTED (PostgreSQL's default, and ours) every
statement reads its own snapshot inside a transaction too, so they see the same rows either
way; Django runs reads like this by default.

The first statement that is anything else (INSERT, UPDATE, DELETE, SELECT ... FOR UPDATE,
SAVEPOINT, SET LOCAL, DDL ...) switches autocommit off before it runs: it and everything
after it, until the commit or rollback, are one transaction, as before.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import event

from .extensions import db

READ = re.compile(r"\s*SELECT\b", re.I)
# What a SELECT may do that must stay inside the transaction it belongs to.
LOCKS = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|\bpg_\w*lock|\b(?:next|set)val\s*\(",
    re.I,
)
_READING = "reads_autocommit"  # connection.info: still reading outside a transaction


def plain_read(statement: str) -> bool:
    return bool(READ.match(statement)) and not LOCKS.search(statement)


def _out_of_the_pool(dbapi_connection, connection_record, connection_proxy) -> None:
    dbapi_connection.autocommit = True
    connection_record.info[_READING] = True


def _begin_unless_read(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.info.get(_READING) and not plain_read(statement):
        conn.info[_READING] = False
        conn.connection.dbapi_connection.autocommit = False  # the driver sends BEGIN first


def init_app(app: Flask) -> None:
    with app.app_context():
        engines = db.engines.values()
    for engine in engines:
        if engine.dialect.name == "postgresql":
            event.listen(engine, "checkout", _out_of_the_pool)
            event.listen(engine, "before_cursor_execute", _begin_unless_read)
