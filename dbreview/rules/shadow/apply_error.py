from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.schema.model import Origin
from dbreview.shadow.model import ApplyFailure, ShadowRun


@rule(
    id="apply-error",
    category="shadow",
    severity="error",
    summary="A statement that fails when the migration is applied to a real PostgreSQL",
    rationale="With `--shadow`, dbreview applies the history and then the changeset to a "
    "scratch database, each file as its runner runs it. A statement the server refuses (a "
    "misspelt column, an object the history never created, CREATE INDEX CONCURRENTLY inside "
    "the runner's transaction, a statement that does not finish on an empty table) stops the "
    "deploy there; in a file that runs in one transaction nothing of it is applied. Statements "
    "the scratch server cannot judge (an extension it lacks, a privilege its sandbox role "
    "withholds) are reported as not verifiable, not as failures.",
    remediation="Fix the statement so that it applies on top of the history, then rerun "
    "`dbreview check --shadow`",
    bad="ALTER TABLE orders ADD COLUMN total numeric;\n"
    "CREATE INDEX orders_total_idx ON orders (totl);",
    good="ALTER TABLE orders ADD COLUMN total numeric;\n"
    "CREATE INDEX orders_total_idx ON orders (total);",
    scope=Scope.CHANGESET,
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    run = changeset.shadow
    if run is None:
        return
    for failure in run.apply_failures:
        remediation = None
        if failure.error.hint:
            remediation = f"{failure.error.hint} Then rerun `dbreview check --shadow`"
        yield Hit(message=_message(failure, run), remediation=remediation,
                  at=Origin(failure.path, failure.statement.span))


def _message(failure: ApplyFailure, run: ShadowRun) -> str:
    # The file's name keeps the message apart from the same error in another file.
    where = f"{failure.path.rsplit('/', 1)[-1]} stops here on PostgreSQL {run.server_version}"
    if failure.timed_out:
        return (f"{where}: the statement ran past the shadow server's {run.statement_timeout:g} s "
                "statement_timeout on an almost empty database and was cancelled")
    error = failure.error
    message = f"{where}: {error.message}"
    if error.detail:
        message += f" ({error.detail})"
    line = error.line_in(failure.statement)
    if line != failure.statement.span.line:
        message += f"; the server points at line {line}"
    return message


RULE = check
