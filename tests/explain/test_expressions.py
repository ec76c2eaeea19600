"""Expression trees from the schema model print back as SQL that means the same thing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pglast import parser

from dbreview.explain.expressions import expression_sql

# Positions differ between the original and the printed text; the meaning may not.
_POSITIONS = {"location", "list_start", "list_end"}


def _policy_condition(condition: str) -> Any:
    tree = json.loads(parser.parse_sql_json(
        f"CREATE POLICY p ON t FOR ALL USING ({condition})"))
    return tree["stmts"][0]["stmt"]["CreatePolicyStmt"]["qual"]


def _without_positions(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_positions(value) for key, value in node.items()
                if key not in _POSITIONS}
    if isinstance(node, list):
        return [_without_positions(item) for item in node]
    return node


@pytest.mark.parametrize("condition", [
    "tenant_id IN (SELECT public.user_tenant_ids())",
    "tenant_id = (SELECT (auth.jwt() ->> 'tenant_id')::uuid)",
    "x = 'it''s' AND y = -1.5 AND z IS NULL AND b = true AND c = 0 AND d = false AND e = ''",
    "EXISTS (SELECT 1 FROM m AS mm WHERE mm.t = x.t AND mm.u = auth.uid() LIMIT 1)",
    "t = ANY (ARRAY[1, 2]) OR coalesce(a, 'x') <> 'y' OR now() > created_at - interval '1 day'",
    "x BETWEEN 1 AND 10 OR y LIKE 'a%' OR CASE WHEN a THEN b ELSE c END",
    "x::numeric(10,2) > 1 AND current_user = 'x' AND row(a, b) = row(1, 2)",
    "a IN (SELECT t.id FROM t JOIN u ON u.id = t.id GROUP BY 1 HAVING count(*) > 1)",
])
def test_printed_expressions_parse_to_the_same_tree(condition: str) -> None:
    original = _policy_condition(condition)
    printed = expression_sql(original)
    assert _without_positions(_policy_condition(printed)) == _without_positions(original)
