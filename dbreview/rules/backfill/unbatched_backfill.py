from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import parse_sql

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite, sql_name
from dbreview.rules.statements import tables_read
from dbreview.sql.nodes import QName, relation_name

BATCH_ROWS = 10000


@rule(
    id="unbatched-backfill",
    category="backfill",
    severity="warning",
    summary="UPDATE without WHERE, or INSERT … SELECT from an existing table, in a migration",
    rationale="The whole table is rewritten or copied in the migration's one transaction: every "
    "updated row stays locked until it commits, concurrent writers queue behind it, and the "
    "long transaction holds back vacuum and replication on a large table.",
    remediation="Backfill in batches that each commit on their own, outside the migration's "
    "transaction (a no-transaction migration or a one-off job), walking the primary key in "
    "ranges of a few thousand rows",
    bad="UPDATE orders SET status = 'pending';",
    good="UPDATE orders SET status = 'pending' WHERE id BETWEEN 1 AND 10000;  -- and so on, "
    "one transaction per batch",
    kinds=["UpdateStmt", "InsertStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    target = relation_name(node.get("relation"))
    assert target is not None
    if context.statement.kind == "UpdateStmt":
        if not node.get("whereClause") and context.is_existing(target):
            table = context.display(target)
            yield Hit(message=f"UPDATE without WHERE rewrites every row of existing table "
                      f"{table} in one transaction", table=table,
                      suggested_sql=_batched_update(context, target))
        return
    sources = sorted({context.display(name) for name in tables_read(node)
                      if context.is_existing(name)})
    if sources:
        yield Hit(message=f"INSERT … SELECT copies every row it reads from existing "
                  f"{', '.join(sources)} into {context.display(target)} in one transaction",
                  table=context.display(target))


def _batched_update(context: StatementContext, target: QName) -> str | None:
    """The UPDATE as a loop over primary key ranges that commits after each batch."""
    table = context.table(target)
    primary_key = table.primary_key if table is not None else None
    if primary_key is None or len(primary_key.columns) != 1:
        return None  # no single key to walk the table by
    key = sql_name(primary_key.columns[0])
    relation = sql_name(target)
    alias = context.node["relation"].get("alias", {}).get("aliasname")
    in_batch = f"{sql_name(alias) if alias else relation}.{key} BETWEEN batch_start AND batch_end"
    update = rewrite(context.statement.text, lambda statement: _add_where(statement, in_batch))
    if update is None:
        return None
    return f"""\
-- run outside a transaction (a migration marked -- dbreview:no-transaction, or a job):
-- each batch commits, so only {BATCH_ROWS} rows are locked at a time
DO $batch$
DECLARE
  batch_start {relation}.{key}%TYPE;
  batch_end {relation}.{key}%TYPE;
BEGIN
  SELECT {key} INTO batch_start FROM {relation} ORDER BY {key} LIMIT 1;
  WHILE batch_start IS NOT NULL LOOP
    SELECT {key} INTO batch_end FROM (
      SELECT {key} FROM {relation} WHERE {key} >= batch_start ORDER BY {key} LIMIT {BATCH_ROWS}
    ) AS batch ORDER BY {key} DESC LIMIT 1;
    {update}
    COMMIT;
    SELECT {key} INTO batch_start FROM {relation} WHERE {key} > batch_end ORDER BY {key} LIMIT 1;
  END LOOP;
END
$batch$;"""


def _add_where(statement: Any, condition: str) -> None:
    select: Any = parse_sql(f"SELECT WHERE {condition}")[0].stmt
    statement.whereClause = select.whereClause


RULE = check
