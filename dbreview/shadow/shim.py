"""The Supabase shim: what every Supabase project has before its first migration runs.

Roles are cluster-wide, so `ROLES_SQL` runs once from the admin connection (under an advisory
lock, as concurrent reviews may both find a role missing); `DATABASE_SQL` runs in each scratch
database as its owner, so that migrations may add triggers to `auth.users` or tables to the
`supabase_realtime` publication as they do on Supabase. Extensions Supabase offers and the
server lacks (pg_cron, pg_net, vector, …) are not faked: statements that need them are reported
as not verifiable here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

SUPABASE_ROLES = ("anon", "authenticated", "service_role", "authenticator", "supabase_admin",
                  "supabase_auth_admin", "supabase_storage_admin", "dashboard_user")

# Changing a role while another session changes it fails ("tuple concurrently updated"): every
# change dbreview makes to roles, in any review, holds this advisory lock.
ROLES_LOCK = "hashtext('dbreview-shadow-roles')"

ROLES_SQL = f"""
SELECT pg_advisory_xact_lock({ROLES_LOCK});
DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY[{", ".join(f"'{role}'" for role in SUPABASE_ROLES)}] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', name);
    END IF;
  END LOOP;
END $$;
ALTER ROLE service_role BYPASSRLS;
GRANT anon, authenticated, service_role TO authenticator;
"""

# auth.uid() and friends read the request's JWT claims exactly as Supabase's do.
DATABASE_SQL = """
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;

CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE IF NOT EXISTS auth.users (
  instance_id uuid,
  id uuid PRIMARY KEY,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text UNIQUE,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  deleted_at timestamptz,
  is_sso_user boolean NOT NULL DEFAULT false,
  is_anonymous boolean NOT NULL DEFAULT false
);
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
$$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
$$;
CREATE OR REPLACE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text
$$;

CREATE SCHEMA IF NOT EXISTS storage;
CREATE TABLE IF NOT EXISTS storage.buckets (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  owner uuid,
  public boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);
CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now()
);
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1] $$;
CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)] $$;
CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT split_part(storage.filename(name), '.', -1) $$;

GRANT USAGE ON SCHEMA auth, storage, extensions TO anon, authenticated, service_role;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
END $$;
"""

# For a superuser connection (the test fixtures): everything at once.
SUPABASE_SHIM = ROLES_SQL + DATABASE_SQL

# Supabase's search_path for the roles that run migrations (the scratch role's too).
SEARCH_PATH = '"$user", public, extensions'

_SUPABASE_SQL = re.compile(
    r"\bauth\.(?:uid|jwt|role|email|users)\b|\bstorage\.(?:objects|buckets)\b"
    r"|\bsupabase_realtime\b|\bservice_role\b|\bto\s+(?:anon|authenticated)\b",
    re.IGNORECASE,
)


_OWN_AUTH_SCHEMA = re.compile(r'\bcreate\s+schema\s+(?:if\s+not\s+exists\s+)?"?auth"?[\s;]',
                              re.IGNORECASE)


def looks_like_supabase(paths: Iterable[Path], texts: Iterable[str]) -> bool:
    """A `supabase/` folder holds the migrations, or the SQL uses what only Supabase provides;
    unless the migrations create the `auth` schema themselves (GoTrue's own, say)."""
    texts = list(texts)
    if any(_OWN_AUTH_SCHEMA.search(text) for text in texts):
        return False
    return (any("supabase" in path.parts for path in paths)
            or any(_SUPABASE_SQL.search(text) for text in texts))
