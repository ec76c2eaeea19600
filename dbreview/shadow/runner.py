"""Running migration statements on the sandbox connection: as their runner would, to see what
fails, and one statement per transaction, to see what each one locks.

Every statement runs under a watchdog that cancels it on the server (a cancel request, never a
client that merely stops waiting) when it outlives the limit, even after a migration turned its
own `statement_timeout` off.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from dbreview.errors import InputError
from dbreview.shadow.catalog import Connection, Relations
from dbreview.shadow.model import ObservedLock, ServerError
from dbreview.sql.parse import Statement

# The statement must run outside a transaction block (CONCURRENTLY, VACUUM, a procedure that
# commits): a runner that autocommits sends it alone.
NEEDS_AUTOCOMMIT = frozenset({"25001", "2D000"})
TIMED_OUT = "57014"
_GRACE = 5.0  # seconds the server's own statement_timeout gets before the watchdog steps in


class Watchdog:
    """Cancels the statement running on `connection` once it has run `seconds`."""

    def __init__(self, connection: Connection, seconds: float) -> None:
        self.connection = connection
        self.seconds = seconds
        self._condition = threading.Condition()
        self._deadline: float | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._watch, name="dbreview-shadow-watchdog",
                                        daemon=True)
        self._thread.start()

    @contextmanager
    def guard(self) -> Iterator[None]:
        with self._condition:
            self._deadline = time.monotonic() + self.seconds
            self._condition.notify()
        try:
            yield
        finally:
            with self._condition:
                self._deadline = None

    def _watch(self) -> None:
        with self._condition:
            while not self._closed:
                if self._deadline is None:
                    self._condition.wait()
                elif (remaining := self._deadline - time.monotonic()) > 0:
                    self._condition.wait(remaining)
                else:
                    self._deadline = None
                    # Under the lock: the statement cannot end and the next one begin meanwhile
                    # (and the server forgets a cancel that arrives between statements).
                    self.connection.cancel_safe()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()
        self._thread.join()


def lost(error: psycopg.Error) -> InputError:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else "no reason given"
    return InputError(f"lost the connection to the shadow server ({reason}); is it running?")


@dataclass(frozen=True, slots=True)
class Traced:
    """One statement run in a transaction of its own."""

    error: ServerError | None
    locks: list[ObservedLock] | None  # None when it could not be observed (ran outside one)
    seconds: float


class Executor:
    def __init__(self, connection: Connection, statement_timeout: float) -> None:
        self.connection = connection
        self.watchdog = Watchdog(connection, statement_timeout + _GRACE)

    def close(self) -> None:
        self.watchdog.close()

    def run(self, sql: str) -> ServerError | None:
        """Send one statement; the server's error if it refuses it."""
        with self.watchdog.guard():
            try:
                self.connection.execute(sql)
            except psycopg.Error as error:
                return self._server_error(error)
        return None

    def _server_error(self, error: psycopg.Error) -> ServerError:
        if error.sqlstate is None or self.connection.broken:
            raise lost(error) from None
        diagnostic = error.diag
        position = diagnostic.statement_position
        return ServerError(sqlstate=error.sqlstate, message=diagnostic.message_primary or "",
                           detail=diagnostic.message_detail, hint=diagnostic.message_hint,
                           position=int(position) if position else None)

    def control(self, sql: str) -> None:
        """BEGIN, COMMIT, SAVEPOINT and friends: dbreview's own, they fail only with the
        connection."""
        try:
            self.connection.execute(sql)
        except psycopg.OperationalError as error:
            raise lost(error) from None

    def trace(self, statement: Statement, relations: Relations, *, autocommit: bool) -> Traced:
        """Run `statement` in a transaction of its own and read the locks it holds at the end.

        In an autocommitted segment a statement that refuses a transaction block runs alone,
        as its runner sends it; its locks then cannot be read.
        """
        started = time.perf_counter()
        self.control("BEGIN")
        error = self.run(statement.text)
        if error is not None:
            self.control("ROLLBACK")
            if autocommit and error.sqlstate in NEEDS_AUTOCOMMIT:
                error = self.run(statement.text)
                relations.refresh()
            return Traced(error, None, time.perf_counter() - started)
        locks = relations.locks_held()
        error = self.run("COMMIT")  # deferred constraints are checked here
        return Traced(error, None if error else locks, time.perf_counter() - started)

    def attempt(self, sql: str) -> ServerError | None:
        """Run one statement inside the open transaction; on error, undo just that statement."""
        self.control("SAVEPOINT dbreview")
        error = self.run(sql)
        self.control("ROLLBACK TO SAVEPOINT dbreview" if error else "RELEASE SAVEPOINT dbreview")
        return error


# How PostgreSQL names the object it misses: `relation "x"`, `type x`, `function f(integer)`.
_NAMED = re.compile(r'"([^"]+)"|\b(?:type|schema|relation|function|column|role|table)\s+'
                    r'([A-Za-z_][\w$.]*)|([A-Za-z_][\w$.]*)\s*\(')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_EVERYWHERE = frozenset({"public", "pg_catalog"})  # schemas in every name: they prove nothing
_UNDEFINED = frozenset({"42P01", "42704", "42883", "3F000", "42703", "42P02"})
_MISSING_EXTENSION = frozenset({"0A000", "58P01", "22023"})
# What the extensions Supabase offers (and a plain server lacks) add, by extension.
_PROVIDES = {
    "pg_cron": ("cron",), "pg_net": ("net",), "vector": ("vector", "halfvec", "sparsevec"),
    "postgis": ("geometry", "geography", "box2d", "box3d"), "pgsodium": ("pgsodium",),
    "pg_graphql": ("graphql",), "supabase_vault": ("vault",), "pgjwt": ("sign", "verify"),
    "http": ("http", "http_get", "http_post"), "pgmq": ("pgmq",),
    "pg_jsonschema": ("json_matches_schema", "jsonb_matches_schema"),
}


class Judge:
    """Tells a real failure from what this server cannot verify.

    Once a statement could not run here (an extension the server lacks, a privilege the sandbox
    withholds, a statement dbreview never runs), the names it would have created are suspects:
    a later "does not exist" about one of them says nothing about the migration.
    """

    def __init__(self, server_major: int, production_major: int) -> None:
        self.server_major = server_major
        self.production_major = production_major
        self.suspects: set[str] = set()

    def unverifiable(self, statement: Statement, error: ServerError) -> str | None:
        """Why the shadow cannot judge this error, or None when the migration is at fault."""
        reason = self._reason(statement, error)
        if reason is not None:
            self.suspect(statement)
        return reason

    def _reason(self, statement: Statement, error: ServerError) -> str | None:
        if error.sqlstate == "42501":
            return f"the sandbox role may not do this ({error.message})"
        if statement.kind == "CreateExtensionStmt" and error.sqlstate in _MISSING_EXTENSION:
            return f"the shadow server lacks the extension ({error.message})"
        if error.sqlstate == "42601" and self.server_major < self.production_major:
            return (f"the shadow server runs PostgreSQL {self.server_major}, production "
                    f"{self.production_major} ({error.message})")
        if error.sqlstate in _UNDEFINED:
            named = {part.lower() for match in _NAMED.findall(error.message)
                     for name in match if name for part in name.split(".")} - _EVERYWHERE
            unverified = sorted(named & self.suspects)
            if unverified:
                return (f"it needs {unverified[0]}, which an earlier statement could not "
                        f"create here ({error.message})")
        return None

    def suspect(self, statement: Statement) -> None:
        """Remember the names a statement that did not run would have created or needed."""
        words = {word.lower() for text in _strings(statement.node) for word in _WORD.findall(text)}
        if statement.kind == "CreateExtensionStmt":
            words.update(_PROVIDES.get(str(statement.node.get("extname", "")).lower(), ()))
        self.suspects |= words


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
