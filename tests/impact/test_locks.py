from __future__ import annotations

import pytest

from dbreview.impact.locks import LockMode, statement_impact
from dbreview.impact.transactions import track_transactions
from dbreview.layouts.base import TransactionMode
from dbreview.schema.model import Origin, Schema
from dbreview.schema.replay import replay
from dbreview.sql.parse import parse_statements
from dbreview.sql.source import Span

HISTORY = """
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, note varchar(20),
  amount numeric(10,2), status text);
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD CONSTRAINT status_present CHECK (status IS NOT NULL);
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(amount) FROM orders GROUP BY 1;
"""

AE, SHARE, SRE, SUE = (LockMode.ACCESS_EXCLUSIVE, LockMode.SHARE, LockMode.SHARE_ROW_EXCLUSIVE,
                       LockMode.SHARE_UPDATE_EXCLUSIVE)


@pytest.fixture
def schema() -> Schema:
    model = Schema()
    for statement in parse_statements(HISTORY):
        replay(model, statement, Origin("h.sql", Span(1, 1, 1, 1)), in_changeset=False)
    return model


# statement -> {table: (lock, rewrite, scan)}
CASES = {
    "CREATE INDEX i ON orders (customer_id)": {"orders": (SHARE, False, True)},
    "CREATE INDEX CONCURRENTLY i ON orders (customer_id)": {"orders": (SUE, False, True)},
    "DROP INDEX orders_status_idx": {"orders": (AE, False, False)},
    "DROP INDEX CONCURRENTLY orders_status_idx": {"orders": (SUE, False, False)},
    "ALTER TABLE orders ADD COLUMN a int": {"orders": (AE, False, False)},
    "ALTER TABLE orders ADD COLUMN a timestamptz DEFAULT now()": {"orders": (AE, False, False)},
    "ALTER TABLE orders ADD COLUMN a uuid DEFAULT gen_random_uuid()": {"orders": (AE, True, True)},
    "ALTER TABLE orders ADD COLUMN a bigserial": {"orders": (AE, True, True)},
    "ALTER TABLE orders ALTER COLUMN note TYPE text": {"orders": (AE, False, True)},
    "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10)": {"orders": (AE, True, True)},
    "ALTER TABLE orders ALTER COLUMN amount TYPE numeric": {"orders": (AE, False, True)},
    "ALTER TABLE orders ALTER COLUMN customer_id TYPE int": {"orders": (AE, True, True)},
    "ALTER TABLE orders ALTER COLUMN status SET NOT NULL": {"orders": (AE, False, False)},
    "ALTER TABLE orders ALTER COLUMN note SET NOT NULL": {"orders": (AE, False, True)},
    "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id)": {
        "orders": (SRE, False, True), "customers": (SRE, False, False)},
    "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) "
    "NOT VALID": {"orders": (SRE, False, False), "customers": (SRE, False, False)},
    "ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0)": {"orders": (AE, False, True)},
    "ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID": {
        "orders": (AE, False, False)},
    "ALTER TABLE orders VALIDATE CONSTRAINT status_present": {"orders": (SUE, False, True)},
    "ALTER TABLE orders ADD CONSTRAINT u UNIQUE (note)": {"orders": (AE, False, True)},
    "ALTER TABLE orders ENABLE ROW LEVEL SECURITY": {"orders": (AE, False, False)},
    "ALTER TABLE orders SET UNLOGGED": {"orders": (AE, True, True)},
    "ALTER TABLE orders SET (fillfactor = 70)": {"orders": (SUE, False, False)},
    "ALTER TABLE orders RENAME COLUMN note TO memo": {"orders": (AE, False, False)},
    "ALTER INDEX orders_status_idx RENAME TO x": {},
    "TRUNCATE orders": {"orders": (AE, False, False)},
    "VACUUM FULL orders": {"orders": (AE, True, True)},
    "VACUUM orders": {"orders": (SUE, False, True)},
    "CLUSTER orders USING orders_pkey": {"orders": (AE, True, True)},
    # SHARE on the table, ACCESS EXCLUSIVE on each index: planning a query opens them all
    "REINDEX TABLE orders": {"orders": (AE, False, True)},
    "REINDEX INDEX orders_status_idx": {"orders": (AE, False, True)},
    "REINDEX INDEX CONCURRENTLY orders_status_idx": {"orders": (SUE, False, True)},
    "REFRESH MATERIALIZED VIEW order_totals": {"order_totals": (AE, True, True)},
    "REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals": {
        "order_totals": (LockMode.EXCLUSIVE, False, True)},
    "ALTER TABLE orders SET LOGGED": {"orders": (AE, False, False)},  # already logged: no-op
    "ALTER TABLE orders SET ACCESS METHOD heap": {"orders": (AE, False, False)},  # the same
    # storage parameters lock the index alone, SHARE UPDATE EXCLUSIVE: no query waits
    "ALTER INDEX orders_status_idx SET (fillfactor = 70)": {},
    # the index alone is locked, but queries on the table open it: they wait for the copy
    "ALTER INDEX orders_status_idx SET TABLESPACE fast_disk": {"orders": (AE, False, True)},
    "COMMENT ON COLUMN orders.note IS 'free text'": {"orders": (SUE, False, False)},
    "COMMENT ON TABLE public.orders IS 'sales'": {"orders": (SUE, False, False)},
    "CREATE POLICY p ON orders USING (true)": {"orders": (AE, False, False)},
    "CREATE TRIGGER t AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()": {
        "orders": (SRE, False, False)},
    "LOCK TABLE orders IN SHARE MODE": {"orders": (SHARE, False, False)},
    "UPDATE orders SET status = 'x'": {"orders": (LockMode.ROW_EXCLUSIVE, False, True)},
    "UPDATE orders SET status = 'x' WHERE id = 1": {
        "orders": (LockMode.ROW_EXCLUSIVE, False, False)},
    "DROP TABLE orders": {"orders": (AE, False, False)},
    "CREATE TABLE lines (id bigint, order_id bigint REFERENCES orders (id))": {
        "orders": (SRE, False, False)},
    "SELECT 1": {},
}


@pytest.mark.parametrize(("sql", "expected"), CASES.items(), ids=list(CASES))
def test_predicted_lock(schema: Schema, sql: str, expected: dict[str, tuple[LockMode, bool, bool]]
                        ) -> None:
    (statement,) = parse_statements(sql)
    impact = statement_impact(statement, schema)
    found = {lock.table[1]: (lock.mode, lock.rewrite, lock.scan) for lock in impact.locks}
    assert found == expected


def test_blocks_describe_what_traffic_waits() -> None:
    assert AE.blocks == "reads and writes"
    assert SHARE.blocks == "writes" and SRE.blocks == "writes"
    assert SUE.blocks == "nothing"


def test_locks_on_tables_new_in_the_changeset_are_marked(schema: Schema) -> None:
    for statement in parse_statements("CREATE TABLE fresh (id int);"):
        replay(schema, statement, Origin("c.sql", Span(1, 1, 1, 1)), in_changeset=True)
    (index,) = parse_statements("CREATE INDEX ON fresh (id)")
    impact = statement_impact(index, schema)
    assert impact.locks[0].new and impact.strongest is None


@pytest.mark.parametrize(
    ("sql", "mode", "expected"),
    [
        ("SELECT 1; SELECT 2;", TransactionMode.WRAPPED, [0, 0]),
        ("SELECT 1; SELECT 2;", TransactionMode.NONE, [None, None]),
        ("SELECT 1;", TransactionMode.SCRIPT, [None]),
        ("SELECT 1; SELECT 2;", TransactionMode.SCRIPT, [0, 0]),
        ("SELECT 1; BEGIN; SELECT 2; COMMIT; SELECT 3; BEGIN; SELECT 4; ROLLBACK;",
         TransactionMode.NONE, [None, 1, 1, 1, None, 2, 2, 2]),
    ],
)
def test_transactions(sql: str, mode: TransactionMode, expected: list[int | None]) -> None:
    assert track_transactions(parse_statements(sql), mode).ids == expected


def test_unterminated_begin_is_reported() -> None:
    statements = parse_statements("BEGIN; CREATE TABLE a (id int);")
    result = track_transactions(statements, TransactionMode.NONE)
    assert result.unterminated is statements[0]
