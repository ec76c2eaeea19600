from __future__ import annotations

from collections.abc import Iterator
from itertools import permutations

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.tenancy.generated_sql import index_sql
from dbreview.schema.model import Table


@rule(
    id="foreign-key-not-indexed",
    category="hygiene",
    severity="warning",
    summary="A foreign key whose columns do not lead an index",
    rationale="PostgreSQL indexes the referenced side of a foreign key, never the "
    "referencing side. Every DELETE or key UPDATE on the referenced table then scans the "
    "referencing table to check for rows that still point at it (holding locks while it "
    "does), and joins from parent to children scan too. Judged at the end of the changeset, "
    "so an index created by a later statement counts; an index whose leading columns are "
    "the key's columns, in any order, serves. Partial indexes do not.",
    remediation="Create an index led by the foreign key's columns (CONCURRENTLY on a table "
    "that already holds data)",
    bad="CREATE TABLE invoices (id bigint PRIMARY KEY,\n"
    "  customer_id bigint REFERENCES customers (id));",
    good="CREATE TABLE invoices (id bigint PRIMARY KEY,\n"
    "  customer_id bigint REFERENCES customers (id));\n"
    "CREATE INDEX invoices_customer_id_idx ON invoices (customer_id);",
    scope=Scope.CHANGESET,
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    for table in changeset.changed_tables():
        for constraint in table.constraints.values():
            if constraint.kind != "foreign key" or not constraint.new or not constraint.columns:
                continue
            if _indexed(table, constraint.columns):
                continue
            referenced = ".".join(constraint.references) if constraint.references else "its parent"
            yield Hit(
                message=f"foreign key {constraint.name} on {table.display} "
                f"({', '.join(constraint.columns)}) has no index led by its columns: deletes on "
                f"{referenced} scan {table.display}",
                table=table.display,
                suggested_sql=index_sql(table, constraint.columns, changeset.schema),
                at=constraint.origin,
            )


def _indexed(table: Table, columns: tuple[str, ...]) -> bool:
    # The check looks rows up by equality on every column, so any order of them serves.
    return any(table.has_index_led_by(order) for order in permutations(columns))


RULE = check
