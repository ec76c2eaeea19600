from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.schema.model import Origin
from dbreview.shadow.model import DownFailure, ShadowRun

_SHOWN = 3  # differences named in the message; the rest are counted


@rule(
    id="down-error",
    category="shadow",
    severity="warning",
    summary="A down migration that fails, or does not restore the schema, on a real PostgreSQL",
    rationale="A down migration is written for the day a deploy goes wrong, and is rarely run "
    "before that day. With `--shadow`, dbreview applies the changeset, then its down "
    "migrations (last file first) inside a transaction it rolls back, and compares the schema "
    "with the one before the up, as the catalogs show it: tables and columns "
    "(information_schema), indexes, constraints, policies and triggers. A down migration "
    "that fails, or that leaves a table, column, index, constraint, policy or trigger behind "
    "or changed, will not roll the deploy back.",
    remediation="Make the down migration undo exactly what the up migration does, then rerun "
    "`dbreview check --shadow`",
    bad="-- 20250101120000_invoices.sql\n"
    "CREATE TABLE invoices (id bigint PRIMARY KEY);\n"
    "CREATE INDEX invoices_id_idx ON invoices (id);\n"
    "-- 20250101120000_invoices.down.sql\n"
    "DROP INDEX invoices_id_idx;",
    good="-- 20250101120000_invoices.down.sql\n"
    "DROP TABLE invoices;",
    scope=Scope.CHANGESET,
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    run = changeset.shadow
    if run is None:
        return
    for failure in run.down_failures:
        yield Hit(message=_message(failure, run), at=Origin(failure.path, failure.at))


def _message(failure: DownFailure, run: ShadowRun) -> str:
    if failure.error is not None:
        return (f"{failure.down_label} fails at line {failure.error_line} on PostgreSQL "
                f"{run.server_version}: {failure.error.message}")
    shown = "; ".join(failure.differences[:_SHOWN])
    more = len(failure.differences) - _SHOWN
    if more > 0:
        shown += f"; and {more} more"
    return f"up then down ({failure.down_label}) leaves a schema different from before: {shown}"


RULE = check
