from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.audit.log import is_log_function, log_table_key
from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.sql.nodes import names, relation_name


@rule(
    id="activity-trigger-on-log",
    category="audit",
    severity="error",
    summary="The activity-log trigger attached to the activity log itself",
    rationale="Each row the log function writes into the log fires the trigger again, which "
    "writes another row: the recursion ends only when PostgreSQL aborts the statement (stack "
    "depth exceeded), and with it the change being logged.",
    remediation="Remove this trigger: the activity log is written by the log function and "
    "must not log itself",
    bad="CREATE TRIGGER activity_log_log AFTER INSERT ON activity_log\n"
    "  FOR EACH ROW EXECUTE FUNCTION log_activity();",
    good="-- no trigger on activity_log; every other table has one",
    kinds=["CreateTrigStmt"],
    config_keys=["audit.table", "audit.function"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    audit = context.config.audit
    node = context.node
    target = relation_name(node.get("relation"))
    function = ".".join(names(node.get("funcname")))
    if target is None or not is_log_function(function, audit):
        return
    if context.schema.key(target) != log_table_key(context.schema, audit):
        return
    table = context.display(target)
    trigger = node.get("trigname")
    yield Hit(message=f"trigger {trigger} calls {function}() on the activity log {table} "
              "itself: every log row it writes fires it again", table=table)


RULE = check
