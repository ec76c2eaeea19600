"""The sandbox pull-request SQL runs in: its own database and a role with no privilege, for
each review; concurrent reviews never meet; the Supabase shim when the project is Supabase's."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg

from dbreview.config import Config
from dbreview.shadow.server import ROLE, Limits
from tests.pg import ADMIN_DSN
from tests.shadow.support import findings, shadow, shadow_review, shadow_run
from tests.support import CHANGESET_VERSION, Project, review_changeset


def _trivial(root: Path) -> Project:
    return Project(root=root, changeset=[(f"{CHANGESET_VERSION}_one.sql", "SELECT 1;")])


def test_the_migrations_run_as_a_role_without_privileges_owning_only_its_database(
        tmp_path: Path) -> None:
    with shadow(limits=Limits(statement_timeout=12)) as session:
        review_changeset(_trivial(tmp_path), shadow=session)
        assert session.database is not None
        name = session.database.name
        sandbox = session.database.connection
        assert sandbox.execute("SELECT current_user, current_database()").fetchone() == (
            ROLE, name)
        assert sandbox.execute("SHOW statement_timeout").fetchone() == ("12s",)
        with psycopg.connect(ADMIN_DSN) as admin:
            attributes = admin.execute(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
                "FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone()
            assert attributes == (False, False, False, False, False)
            assert admin.execute("SELECT pg_get_userbyid(datdba) FROM pg_database "
                                 "WHERE datname = %s", [name]).fetchone() == (ROLE,)
            settings = admin.execute(
                "SELECT unnest(setconfig) FROM pg_db_role_setting s JOIN pg_database d "
                "ON d.oid = s.setdatabase WHERE d.datname = %s", [name]).fetchall()
            assert {"statement_timeout=12000ms", "temp_file_limit=1024MB",
                    "lock_timeout=5000ms",
                    "idle_in_transaction_session_timeout=60000ms"} <= {row[0] for row in settings}
    with psycopg.connect(ADMIN_DSN) as admin:
        assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                             [name]).fetchone() == (0,)


def test_a_review_that_fails_midway_still_drops_its_database(tmp_path: Path) -> None:
    names: list[str] = []
    try:
        with shadow() as session:
            review_changeset(_trivial(tmp_path), shadow=session)
            assert session.database is not None
            names.append(session.database.name)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    with psycopg.connect(ADMIN_DSN) as admin:
        assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                             names).fetchone() == (0,)


def test_concurrent_reviews_get_databases_of_their_own(tmp_path: Path) -> None:
    results: dict[int, list[tuple[int, str]]] = {}

    def review(number: int) -> None:
        changeset = shadow_review(tmp_path / str(number), (
            "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
            f"CREATE INDEX orders_{number}_idx ON orders (id);\n"))
        results[number] = findings(changeset, "apply-error")

    threads = [threading.Thread(target=review, args=(number,)) for number in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {0: [], 1: [], 2: []}


SUPABASE_MIGRATION = """\
CREATE TABLE profiles (id uuid PRIMARY KEY REFERENCES auth.users ON DELETE CASCADE,
  avatar_path text);
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_profile ON profiles FOR SELECT TO authenticated
  USING ((SELECT auth.uid()) = id);
CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.profiles (id) VALUES (new.id);
  RETURN new;
END $$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', false);
CREATE POLICY avatar_upload ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (bucket_id = 'avatars' AND (storage.foldername(name))[1] = auth.uid()::text);
ALTER PUBLICATION supabase_realtime ADD TABLE profiles;
SELECT extensions.uuid_generate_v4(), extensions.gen_random_bytes(8), auth.jwt(), auth.role();
"""


def test_a_supabase_project_gets_what_supabase_provides(tmp_path: Path) -> None:
    changeset = shadow_review(tmp_path, SUPABASE_MIGRATION)
    assert findings(changeset, "apply-error") == []
    assert shadow_run(changeset).unverifiable == []
    assert len(shadow_run(changeset).traces) == 9  # every statement


def test_a_project_that_is_not_supabase_keeps_its_own_auth_schema(tmp_path: Path) -> None:
    project = Project(root=tmp_path, directory="db/migrations", changeset=[(
        f"{CHANGESET_VERSION}_auth.sql",
        "CREATE SCHEMA auth;\nCREATE TABLE auth.users (login text PRIMARY KEY);\n")])
    with shadow(Config()) as session:
        changeset = review_changeset(project, shadow=session)
    assert findings(changeset, "apply-error") == []
