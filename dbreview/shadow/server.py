"""Where scratch databases come from, and the sandbox the migrations run in.

A shadow server is either named by a DSN (a superuser of a server kept for scratch work: never
production) or a temporary cluster dbreview starts itself with `initdb` and `pg_ctl` on a Unix
socket in a temporary directory, and removes afterwards.

Each review gets its own database, named uniquely so concurrent reviews never meet, owned by
`dbreview_shadow`: a login role with no other privilege. The migrations run as that role, with
limits the admin sets (`ALTER ROLE … IN DATABASE … SET`, which also lets a superuser set
`temp_file_limit`), and the database is dropped `WITH (FORCE)` when the review ends, however it
ends. The role may stay; it owns nothing once its databases are gone.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

from dbreview.errors import InputError
from dbreview.shadow.shim import ROLES_LOCK, SEARCH_PATH

ROLE = "dbreview_shadow"
DATABASE_PREFIX = "dbreview_shadow_"
BINARY_DIRS = "/usr/lib/postgresql/*/bin"  # Debian and Ubuntu keep PostgreSQL's binaries here

Connection = psycopg.Connection[TupleRow]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one migration statement may take on the shadow server."""

    statement_timeout: float = 30.0  # seconds
    lock_timeout: float = 5.0
    idle_in_transaction: float = 60.0
    temp_file_limit_mb: int = 1024

    def settings(self) -> dict[str, str]:
        return {
            "statement_timeout": f"{round(self.statement_timeout * 1000)}ms",
            "lock_timeout": f"{round(self.lock_timeout * 1000)}ms",
            "idle_in_transaction_session_timeout": f"{round(self.idle_in_transaction * 1000)}ms",
            "temp_file_limit": f"{self.temp_file_limit_mb}MB",
        }


def where(dsn: str) -> str:
    """How messages name a server: host, port and database, never the password."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "the shadow DSN"
    host = parts.get("host") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}".rstrip("/")


def connect_admin(dsn: str) -> Connection:
    """The admin connection: it must reach the server as a superuser."""
    try:
        connection = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.ProgrammingError as error:
        raise InputError(f"--shadow: '{where(dsn)}' is not a PostgreSQL DSN ({error}); "
                         "write postgresql://USER@HOST:PORT/DB") from None
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[-1]
        raise InputError(f"cannot reach the shadow server {where(dsn)} ({reason}); check "
                         "--shadow DSN or DBREVIEW_SHADOW_DSN") from None
    row = connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                             ).fetchone()
    if not row or not row[0]:
        connection.close()
        raise InputError(f"the shadow server {where(dsn)} must be reached as a superuser (it "
                         "creates a role and scratch databases and sets temp_file_limit); use "
                         "a scratch server, never production")
    return connection


class ScratchDatabase:
    """One review's database, and the sandboxed connection the migrations run on."""

    def __init__(self, admin: Connection, dsn: str, limits: Limits) -> None:
        self.admin = admin
        self.name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:16]}"
        _ensure_role(admin)
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'")
                      .format(sql.Identifier(self.name), sql.Identifier(ROLE)))
        try:
            self._sandbox(limits)
            self.connection = _login(admin, dsn, self.name)
        except BaseException:
            self._drop()
            raise

    def _sandbox(self, limits: Limits) -> None:
        database = sql.Identifier(self.name)
        self.admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
        settings: dict[str, sql.Composable] = {
            name: sql.Literal(value) for name, value in limits.settings().items()}
        settings["search_path"] = sql.SQL(SEARCH_PATH)  # a list of names, not one string
        for name, value in settings.items():
            self.admin.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET {} = {}").format(
                sql.Identifier(ROLE), database, sql.Identifier(name), value))

    def close(self) -> None:
        try:
            self.connection.close()
        finally:
            self._drop()

    def _drop(self) -> None:
        if self.admin.broken:  # the server went away (the review says so): nothing to drop
            return
        # FORCE ends whatever still runs there: a statement the client gave up on included.
        self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                           .format(sql.Identifier(self.name)))


def _ensure_role(admin: Connection) -> None:
    with admin.transaction():
        admin.execute(f"SELECT pg_advisory_xact_lock({ROLES_LOCK})")
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(ROLE)))
        # Whatever happened to the role since, it runs pull-request SQL: no privilege at all.
        admin.execute(sql.SQL("ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                              "NOREPLICATION NOBYPASSRLS").format(sql.Identifier(ROLE)))


def _login(admin: Connection, dsn: str,
           database: str) -> Connection:
    """Connect as the sandbox role with a password nobody else ever sees.

    The password is set, used once and removed while holding a lock, so that concurrent
    reviews never change it under each other; servers that trust local logins ignore it.
    """
    role = sql.Identifier(ROLE)
    password = secrets.token_urlsafe(24)
    admin.execute(f"SELECT pg_advisory_lock({ROLES_LOCK})")
    try:
        admin.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(password)))
        target = make_conninfo(dsn, user=ROLE, password=password, dbname=database)
        try:
            return psycopg.connect(target, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as error:
            reason = str(error).strip().splitlines()[-1]
            raise InputError(f"the shadow server {where(dsn)} refuses the {ROLE} role's login "
                             f"({reason}); allow it password (or trust) authentication in "
                             "pg_hba.conf") from None
        finally:
            admin.execute(sql.SQL("ALTER ROLE {} PASSWORD NULL").format(role))
    finally:
        admin.execute(f"SELECT pg_advisory_unlock({ROLES_LOCK})")


def find_binaries(version: int | None) -> Path:
    """The directory holding initdb and pg_ctl: `version`'s when installed, else the newest."""
    candidates = sorted(glob.glob(BINARY_DIRS), key=_version_of, reverse=True)
    on_path = shutil.which("initdb")
    if on_path is not None:
        candidates.append(str(Path(on_path).parent))
    usable = [Path(c) for c in candidates if all(
        os.access(Path(c) / name, os.X_OK) for name in ("initdb", "pg_ctl"))]
    if not usable:
        raise InputError("--shadow without a DSN starts a temporary PostgreSQL, but initdb and "
                         f"pg_ctl are neither on PATH nor under {BINARY_DIRS}; install "
                         "PostgreSQL's server package or pass --shadow DSN")
    matching = [path for path in usable if _version_of(str(path)) == version]
    return (matching or usable)[0]


def _version_of(directory: str) -> int:
    found = re.search(r"/(\d+)/bin/?$", directory)
    return int(found.group(1)) if found else 0


@contextmanager
def temporary_cluster(version: int | None = None) -> Iterator[str]:
    """Start a throwaway cluster listening only on a Unix socket; yield its admin DSN."""
    binaries = find_binaries(version)
    owner = _cluster_owner()
    with tempfile.TemporaryDirectory(prefix="dbreview-shadow-") as directory:
        root = Path(directory)
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        data = root / "data"
        _run(owner, root, binaries / "initdb", "-D", str(data), "-U", "postgres",
             "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C")
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            # A scratch cluster: nothing to make durable, nobody else to listen to.
            conf.write(f"\nlisten_addresses = ''\nunix_socket_directories = '{root}'\n"
                       "port = 5432\nfsync = off\nfull_page_writes = off\n"
                       "synchronous_commit = off\nmax_connections = 20\n")
        pg_ctl = binaries / "pg_ctl"
        try:
            _run(owner, root, pg_ctl, "-D", str(data), "-l", str(root / "server.log"), "-w",
                 "-t", "60", "start")
            yield make_conninfo(host=str(root), port="5432", user="postgres", dbname="postgres")
        finally:
            if (data / "postmaster.pid").exists():
                _run(owner, root, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")


def _cluster_owner() -> pwd.struct_passwd | None:
    """initdb refuses to run as root: then the cluster belongs to the `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise InputError("--shadow without a DSN runs initdb, which refuses root, and there is "
                         "no `postgres` user to run it as; create one or pass --shadow DSN"
                         ) from None


def _run(owner: pwd.struct_passwd | None, cwd: Path, program: Path, *arguments: str) -> None:
    result = subprocess.run(
        [str(program), *arguments], cwd=cwd, capture_output=True, text=True, check=False,
        user=owner.pw_uid if owner else None, group=owner.pw_gid if owner else None,
        extra_groups=[] if owner else None,
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise InputError(f"{program.name} failed for the temporary shadow cluster "
                         f"({output[-1]}); pass --shadow DSN to use a server instead")
