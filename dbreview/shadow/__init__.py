"""The shadow database: apply the migrations to a real PostgreSQL and observe what happens.

    server.py    where scratch databases come from (a DSN, or a temporary cluster) and the
                 sandbox role the migrations run as
    shim.py      what Supabase provides before the first migration (roles, auth, storage, …)
    runner.py    sending statements: the watchdog, tracing, telling failures from what this
                 server cannot verify
    catalog.py   reading pg_locks, pg_class and the schema back from the server
    session.py   one review: history, then the changeset file by file, then its down migrations
    facts.py     observed locks and rewrites in place of the predicted ones
    model.py     the facts the shadow rules (dbreview/rules/shadow/) read

psycopg is imported only when a shadow run is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbreview.config import Config
    from dbreview.shadow.session import ShadowSession


@contextmanager
def shadow_session(dsn: str | None, config: Config) -> Iterator[ShadowSession | None]:
    """A shadow session for one review: None when `dsn` is None (no --shadow); with an empty
    `dsn`, DBREVIEW_SHADOW_DSN's server, else a temporary cluster. Everything it created on the
    server is gone when the block ends, however it ends."""
    if dsn is None:
        yield None
        return
    from dbreview.shadow.server import Limits
    from dbreview.shadow.session import open_session

    with open_session(dsn, config, Limits()) as session:
        yield session
