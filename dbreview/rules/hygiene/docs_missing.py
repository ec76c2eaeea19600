from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.schema.model import Table

_DOCUMENTED_KINDS = ("table", "partitioned table")


@rule(
    id="docs-missing",
    category="hygiene",
    severity="warning",
    summary="A new table without its documentation page",
    rationale="Every table has a page under docs/schema/tables (F): what a row means, who "
    "writes it, which columns hold personal data. Written with the migration, it costs "
    "minutes; reconstructed later, it costs an investigation.",
    remediation="Add docs/schema/tables/<table>.md in the same pull request "
    "(`dbreview docs --write` writes a stub to fill in)",
    bad="CREATE TABLE invoices (id uuid PRIMARY KEY);  -- and no docs/schema/tables/invoices.md",
    good="CREATE TABLE invoices (id uuid PRIMARY KEY);  -- with docs/schema/tables/invoices.md",
    scope=Scope.CHANGESET,
    config_keys=["docs.dir"],
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    if changeset.repository is None:
        return  # standard input: no repository to look in
    directory = changeset.config.docs.dir.strip("/")
    for table in changeset.new_tables():
        if table.kind not in _DOCUMENTED_KINDS:
            continue
        pages = _pages(directory, table)
        if not any(page in changeset.changed_paths or (changeset.repository / page).is_file()
                   for page in pages):
            yield Hit(message=f"new table {table.display} has no documentation page "
                      f"({pages[0]})", table=table.display, at=table.origin)


def _pages(directory: str, table: Table) -> list[str]:
    return [f"{directory}/{table.name}.md", f"{directory}/{table.schema}.{table.name}.md"]


RULE = check
