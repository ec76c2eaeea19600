"""The activity log of the conventions (E.1, E.2) as SQL a reviewer can paste: the log table,
the generic log function and the trigger that attaches it to a table."""

from __future__ import annotations

from pglast.stream import maybe_double_quote_name

from dbreview.schema.model import Key
from dbreview.sql.identifiers import truncated

# A loop through other triggers (a trigger on the log that writes an audited table) ends here;
# ordinary chains, a trigger writing another audited table, are far shallower and stay logged.
MAX_TRIGGER_DEPTH = 8


# E.1, column by column, as the canonical table declares them.
LOG_COLUMNS = {
    "id": "uuid NOT NULL DEFAULT gen_random_uuid()",
    "table_name": "text NOT NULL",
    "record_id": "uuid",
    "action": "text NOT NULL",
    "old_data": "jsonb",
    "new_data": "jsonb",
    "actor_id": "uuid",
    "created_at": "timestamptz NOT NULL DEFAULT now()",
}


def name(key: Key) -> str:
    """`schema.name`, each part quoted when PostgreSQL needs it."""
    return ".".join(maybe_double_quote_name(part) for part in key)


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def log_setup_sql(table: Key, function: Key, *, with_table: bool) -> str:
    """The schemas, the log table (when asked) and the log function."""
    schemas = sorted({table[0], function[0]} - {"public"})
    parts = [f"CREATE SCHEMA IF NOT EXISTS {maybe_double_quote_name(schema)};"
             for schema in schemas]
    if with_table:
        parts.append(log_table_sql(table))
    parts.append(log_function_sql(function, table))
    return "\n".join(parts)


def log_table_sql(table: Key) -> str:
    index = maybe_double_quote_name(truncated(f"{table[1]}_record_idx"))
    columns = "".join(f"  {column} {definition},\n" for column, definition in LOG_COLUMNS.items())
    return f"""CREATE TABLE IF NOT EXISTS {name(table)} (
{columns}  PRIMARY KEY (id)
);
-- Only the log function (SECURITY DEFINER, the table's owner) writes; API roles see nothing.
ALTER TABLE {name(table)} ENABLE ROW LEVEL SECURITY;
CREATE INDEX IF NOT EXISTS {index} ON {name(table)} (table_name, record_id);"""


def log_function_sql(function: Key, table: Key) -> str:
    """Generic for every table: the row's `id` becomes record_id when it is a uuid (NULL when
    there is none or it is not a uuid); the actor is the JWT's `sub` (NULL outside an API
    request). It never logs the log itself, and stays quiet in statement-level triggers."""
    return f"""CREATE OR REPLACE FUNCTION {name(function)}()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  uuid_shape constant text :=
    '^[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}$';
  changed_row jsonb;
  record_key text;
  actor text;
BEGIN
  IF TG_LEVEL = 'ROW'
     AND NOT (TG_TABLE_SCHEMA = {literal(table[0])} AND TG_TABLE_NAME = {literal(table[1])})
     AND pg_catalog.pg_trigger_depth() <= {MAX_TRIGGER_DEPTH} THEN
    changed_row := CASE WHEN TG_OP = 'DELETE' THEN pg_catalog.to_jsonb(OLD)
                        ELSE pg_catalog.to_jsonb(NEW) END;
    record_key := changed_row ->> 'id';
    actor := coalesce(
      nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
      nullif(nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb
             ->> 'sub', ''));
    INSERT INTO {name(table)} (table_name, record_id, action, old_data, new_data, actor_id)
    VALUES (
      TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
      CASE WHEN record_key ~ uuid_shape THEN record_key::uuid END,
      TG_OP,
      CASE WHEN TG_OP <> 'INSERT' THEN pg_catalog.to_jsonb(OLD) END,
      CASE WHEN TG_OP <> 'DELETE' THEN pg_catalog.to_jsonb(NEW) END,
      CASE WHEN actor ~ uuid_shape THEN actor::uuid END
    );
  END IF;
  -- Returning the row keeps a misplaced BEFORE trigger from cancelling the change.
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$$;"""


def trigger_name(table: Key, function: Key) -> str:
    return truncated(f"{table[1]}_{function[1]}")


def trigger_sql(table: Key, function: Key, pg_version: int) -> str:
    execute = "FUNCTION" if pg_version >= 11 else "PROCEDURE"
    return (f"CREATE TRIGGER {maybe_double_quote_name(trigger_name(table, function))}\n"
            f"  AFTER INSERT OR UPDATE OR DELETE ON {name(table)}\n"
            f"  FOR EACH ROW EXECUTE {execute} {name(function)}();")
