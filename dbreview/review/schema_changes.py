"""Per-table schema changes (C.1): each table the changeset creates, alters or drops, as the
changeset leaves it, with what was added, dropped or changed marked.

The schema model is replayed in place, so an existing table's state before the changeset is
kept in a `TableSnapshot` the first time a statement locks it (every statement that changes a
table locks it); snapshots hold references and tuples, not text, so taking one is cheap and only
the tables that end up in the review are ever described.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from dbreview.config import Config
from dbreview.explain.expressions import expression_sql, remembered, shape
from dbreview.explain.facts import foreign_keys, logged, policy_text, trigger_text
from dbreview.review.model import Item, TableChange
from dbreview.rules.tenancy.tenant_tables import is_tenant_table
from dbreview.schema.model import Column, Constraint, Index, Key, Policy, Schema, Table, Trigger
from dbreview.schema.types import TypeRef
from dbreview.secrets import mask_secrets

ColumnState = tuple[TypeRef | None, bool, Any, bool, bool]  # type, not null, default, …


@dataclass(frozen=True, slots=True)
class TableSnapshot:
    columns: dict[str, ColumnState]
    constraints: dict[str, tuple[Constraint, bool]]  # with its validated flag then
    indexes: dict[str, Index]
    policies: dict[str, tuple[Policy, Any, Any, tuple[str, ...]]]  # using, check, roles then
    triggers: dict[str, Trigger]
    rls_enabled: bool


def _expression(tree: Any) -> str:
    return mask_secrets(expression_sql(tree))


def _column_state(column: Column) -> ColumnState:
    return (column.type, column.not_null, column.default, column.identity, column.generated)


def snapshot(table: Table) -> TableSnapshot:
    return TableSnapshot(
        columns={name: _column_state(column) for name, column in table.columns.items()},
        constraints={name: (item, item.validated) for name, item in table.constraints.items()},
        indexes=dict(table.indexes),
        policies={name: (item, item.using, item.check, item.roles)
                  for name, item in table.policies.items()},
        triggers=dict(table.triggers),
        rls_enabled=table.rls_enabled,
    )


def _column_detail(state: ColumnState) -> str:
    type_ref, not_null, default, identity, generated = state
    parts = [str(type_ref) if type_ref is not None else "unknown type"]
    if not_null:
        parts.append("not null")
    if identity:
        parts.append("generated as identity")
    elif generated:
        parts.append("generated")
    elif default:
        parts.append(f"default {_expression(default)}")
    return " ".join(parts)


def _constraint_detail(constraint: Constraint, validated: bool | None = None) -> str:
    columns = f" ({', '.join(constraint.columns)})" if constraint.columns else ""
    if constraint.kind == "check":
        columns = ""  # the expression names them
    text = f"{constraint.kind}{columns}"
    if constraint.references is not None:
        target = ".".join(constraint.references)
        text += f" → {target}" + (f" ({', '.join(constraint.ref_columns)})"
                                  if constraint.ref_columns else "")
    if constraint.kind == "check" and constraint.expression:
        text += f" ({_expression(constraint.expression)})"
    valid = constraint.validated if validated is None else validated
    return text if valid else f"{text}, not valid"


def _index_detail(index: Index) -> str:
    columns = ", ".join(column or "(expression)" for column in index.columns)
    words = [word for word, flag in (("unique", index.unique), ("partial", index.partial))
             if flag]
    method = "" if index.method == "btree" else f" using {index.method}"
    return " ".join([*words, f"({columns}){method}"])


class _Describer:
    """Items of one table. A new table lists everything, as added. An altered table lists the
    columns, constraints and indexes that changed (describing a hundred untouched columns on
    every review would cost more than the review) and all its policies and triggers (they
    decide who sees the new state), marked against its snapshot; without a snapshot (only a
    COMMENT ON touched it) nothing is marked."""

    def __init__(self, table: Table, before: TableSnapshot | None, created: bool) -> None:
        self.table = table
        self.before = before
        self.created = created  # the flags on the model are gone once a later file is reviewed

    def _change(self, existed: bool, flagged_new: bool, same: bool
                ) -> Literal["added", "changed"] | None:
        if self.created or flagged_new or (self.before is not None and not existed):
            return "added"
        return None if same else "changed"

    def _dropped(self, field: str, describe: Callable[[Any], str]) -> list[Item]:
        if self.before is None:
            return []
        after = getattr(self.table, field)
        return [Item(name=name, detail=describe(item), change="dropped")
                for name, item in getattr(self.before, field).items() if name not in after]

    def columns(self) -> list[Item]:
        before = self.before.columns if self.before else {}
        items = []
        for name, column in self.table.columns.items():
            state, old = _column_state(column), before.get(name)
            if old == state and not self.created:
                continue  # the common case on a wide table: one comparison, nothing described
            change = self._change(old is not None, False, old is None or old == state)
            if change or self.created:
                was = _column_detail(old) if change == "changed" and old else None
                items.append(Item(name=name, detail=_column_detail(state), change=change,
                                  was=was))
        return items + self._dropped("columns", _column_detail)

    def constraints(self) -> list[Item]:
        before = self.before.constraints if self.before else {}
        items = []
        for name, constraint in self.table.constraints.items():
            old = before.get(name)
            same = old is None or old[1] == constraint.validated
            change = self._change(old is not None, constraint.new, same)
            if change or self.created:
                was = _constraint_detail(constraint, old[1]) if change == "changed" and old \
                    else None
                items.append(Item(name=name, detail=_constraint_detail(constraint),
                                  change=change, was=was))
        return items + self._dropped("constraints", lambda old: _constraint_detail(*old))

    def indexes(self) -> list[Item]:
        before = self.before.indexes if self.before else {}
        items = [Item(name=name, detail=_index_detail(index), change=change)
                 for name, index in self.table.indexes.items()
                 if self.created or index.new or name not in before
                 if (change := self._change(name in before, index.new, True))
                 or self.created]
        return items + self._dropped("indexes", _index_detail)

    def policies(self) -> list[Item]:
        before = self.before.policies if self.before else {}
        items = []
        for name, policy in self.table.policies.items():
            old = before.get(name)
            same = old is None or old[1:] == (policy.using, policy.check, policy.roles)
            change = self._change(old is not None, policy.new and old is None, same)
            # ALTER POLICY edits in place: the snapshot kept the old clauses
            was = _policy_detail(replace(policy, using=old[1], check=old[2], roles=old[3])) \
                if change == "changed" and old else None
            items.append(Item(name=name, detail=_policy_detail(policy), change=change, was=was))
        return items + self._dropped("policies", lambda old: _policy_detail(old[0]))

    def triggers(self) -> list[Item]:
        before = self.before.triggers if self.before else {}
        items = [Item(name=name, detail=_trigger_detail(trigger),
                      change=self._change(name in before, trigger.new, True))
                 for name, trigger in self.table.triggers.items()]
        return items + self._dropped("triggers", _trigger_detail)


def _policy_detail(policy: Policy) -> str:
    """`SELECT for authenticated, USING (…)`: policy_text without the name, which the key
    leaves out so that every table's copy of one policy is printed once."""
    key = "policy" + shape(policy.permissive, policy.command, policy.roles, policy.using,
                            policy.check)
    return remembered(key, lambda: mask_secrets(
        policy_text(replace(policy, name="")).split(": ", 1)[1]))


def _trigger_detail(trigger: Trigger) -> str:
    return trigger_text(trigger).split(": ", 1)[1]


def _relationships(schema: Schema, table: Table, created: bool) -> list[Item]:
    items = []
    for key in foreign_keys(schema, table):
        target = f"{key.parent[0]}.{key.parent[1]}"
        columns = f" ({', '.join(key.parent_columns)})" if key.parent_columns else ""
        constraint = table.constraints.get(key.constraint)
        items.append(Item(name=", ".join(key.columns),
                          detail=f"→ {target}{columns}, {key.cardinality}",
                          change="added" if created or (constraint and constraint.new)
                          else None))
    return items


def _described(schema: Schema, table: Table, before: TableSnapshot | None, created: bool,
               config: Config) -> TableChange:
    describer = _Describer(table, before, created)
    rls_change: Literal["enabled", "disabled"] | None = None
    if before is not None and before.rls_enabled != table.rls_enabled:
        rls_change = "enabled" if table.rls_enabled else "disabled"
    return TableChange(
        name=table.display, key=table.key, change="created" if created else "altered",
        new=created, kind=table.kind, comment=table.comment and mask_secrets(table.comment),
        tenant_table=is_tenant_table(table, config),
        columns=describer.columns(), constraints=describer.constraints(),
        indexes=describer.indexes(), relationships=_relationships(schema, table, created),
        rls_enabled=table.rls_enabled, rls_forced=table.rls_forced, rls_change=rls_change,
        policies=describer.policies(), triggers=describer.triggers(),
        logged=logged(table, config),
    )


def changed_tables(schema: Schema, locked: set[Key]) -> list[TableChange]:
    """The tables a changeset created, altered (in the order it touched them) or dropped, by
    name only: `describe_table` fills in the rest once the review is complete. Every statement
    that drops or renames a table locks it first, so `locked` names every one now gone."""
    touched = [item for item in schema.touched if isinstance(item, Table)
               and schema.tables.get(item.key) is item]
    dropped = sorted(key for key in locked if key not in schema.tables)
    return ([TableChange(name=table.display, key=table.key,
                         change="created" if table.new else "altered", new=table.new)
             for table in touched if table.new or table.altered]
            + [TableChange(name=f"{key[0]}.{key[1]}", key=key, change="dropped", new=False)
               for key in dropped])


def describe_table(schema: Schema, change: TableChange, before: TableSnapshot | None,
                   config: Config) -> TableChange:
    """`change` in full: the table as `schema` holds it, marked against `before` (its state
    before the changes under review); a dropped table as it was."""
    table = schema.tables.get(change.key) if change.key else None
    if change.change == "dropped" or table is None:
        columns = [Item(name=name, detail=_column_detail(state), change="dropped")
                   for name, state in (before.columns.items() if before else ())]
        return replace(change, change="dropped", new=False, columns=columns)
    created = change.change == "created"
    return _described(schema, table, None if created else before, created, config)
