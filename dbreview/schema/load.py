"""The schema a migration history builds, for commands that describe it rather than review it
(`dbreview explain`, `dbreview docs`): no rules run, and each migration's changes are recorded
as it is replayed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dbreview.config import Config
from dbreview.errors import UsageError
from dbreview.layouts.base import Migration
from dbreview.schema.model import Function, Index, Origin, Policy, Role, Schema, Table, Trigger
from dbreview.schema.replay import replay
from dbreview.sql.parse import parse_statements
from dbreview.sql.preprocess import preprocess
from dbreview.workspace import Workspace, plan_paths


@dataclass(frozen=True, slots=True)
class Step:
    """One migration and what it changed."""

    migration: Migration
    path: str  # relative to the repository root when possible
    header: str  # the SQL text before its first statement (its comments)
    created: tuple[str, ...]  # "table public.tasks", "index tasks_tenant_idx", …
    altered: tuple[str, ...]  # tables
    dropped: tuple[str, ...]  # tables


@dataclass(slots=True)
class History:
    schema: Schema = field(default_factory=Schema)
    steps: list[Step] = field(default_factory=list)


def load_schema(paths: list[Path], config: Config, root: Path) -> Schema:
    """The schema after the migrations under `paths`; see `load_history`."""
    return load_history(paths, config, root).schema


def load_history(paths: list[Path], config: Config, root: Path) -> History:
    """Replay the migration set under `paths` (the configured folders when empty) up to its
    last named migration: a directory means all of it, a file means up to that file."""
    plans = plan_paths(paths, config, root)
    if len(plans) > 1:
        roots = ", ".join(str(plan.migration_set.root) for plan in plans)
        raise UsageError(f"the paths hold {len(plans)} migration sets, one per database "
                         f"({roots}); name one of them")
    (plan,) = plans
    chosen = {migration.path for migration in plan.selected}
    migrations = plan.migration_set.migrations
    last = max(index for index, migration in enumerate(migrations) if migration.path in chosen)
    workspace = Workspace(root=root)
    history = History()
    for migration in migrations[:last + 1]:
        history.steps.append(_replay_step(history.schema, migration, workspace.display(
            migration.path)))
    return history


def _replay_step(schema: Schema, migration: Migration, path: str) -> Step:
    up = preprocess(migration.read().up)
    statements = parse_statements(up)
    tables_before = set(schema.tables)
    for statement in statements:
        if statement.kind:
            # As a changeset, so that the schema marks what this one migration touched.
            replay(schema, statement, Origin(path, statement.span), in_changeset=True)
    first = statements[0].span.line if statements else up.count("\n") + 2
    step = Step(
        migration=migration, path=path,
        header="\n".join(up.splitlines()[:first - 1]),
        created=tuple(description for item in schema.touched
                      if (description := _described(schema, item))),
        altered=tuple(table.display for table in schema.touched
                      if isinstance(table, Table) and table.altered),
        dropped=tuple(f"{key[0]}.{key[1]}" for key in sorted(tables_before - set(schema.tables))),
    )
    schema.mark_history()
    return step


def _described(schema: Schema, item: object) -> str:
    """How the migrations summary names an object the migration created; empty for an altered
    table, a table it also dropped, and constraints and their indexes (the table's page lists
    them)."""
    if isinstance(item, Table):
        kept = schema.tables.get(item.key) is item
        return f"{item.kind} {item.display}" if item.new and kept else ""
    if isinstance(item, Index):
        owner = schema.tables.get(item.table)
        backs_constraint = owner is not None and item.name in owner.constraints
        return "" if backs_constraint else f"index {item.name}"
    if isinstance(item, Policy):
        return f"policy {item.name}"
    if isinstance(item, Trigger):
        return f"trigger {item.name}"
    if isinstance(item, Function):
        return f"function {item.schema}.{item.name}"
    if isinstance(item, Role):
        return f"role {item.name}"
    return ""
