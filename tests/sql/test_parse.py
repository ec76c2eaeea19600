from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dbreview.sql.directives import apply_directives
from dbreview.sql.parse import parse_statements, split_statements
from dbreview.sql.preprocess import preprocess


def test_statements_keep_their_own_first_line_not_the_comments_before() -> None:
    sql = (
        "-- create the table\nCREATE TABLE a (id int);\n\n/* index */\n"
        "CREATE INDEX i ON a (id);\n"
    )
    first, second = parse_statements(sql)
    assert (first.kind, first.span.line, first.span.column) == ("CreateStmt", 2, 1)
    assert first.text == "CREATE TABLE a (id int)"
    assert (second.kind, second.span.line) == ("IndexStmt", 5)
    assert "/* index */" in second.leading


def test_columns_count_characters_not_bytes() -> None:
    (statement,) = parse_statements("SELECT 'é'; ")[:1]
    (_, after) = parse_statements("SELECT 'é';  SELECT 1;")
    assert statement.span.column == 1
    assert (after.span.line, after.span.column) == (1, 14)


def test_a_broken_statement_is_one_error_and_the_rest_still_parses() -> None:
    statements = parse_statements("CREATE TABLE a (id int);\nSELEC 1;\nDROP TABLE b;\n")
    assert [s.kind for s in statements] == ["CreateStmt", "", "DropStmt"]
    broken = statements[1]
    assert broken.error is not None and "SELEC" in broken.error
    assert broken.span.line == 2


def test_splitter_respects_quotes_comments_and_dollar_bodies() -> None:
    sql = (b"SELECT ';';\n-- a; comment\nSELECT $f$ a; b $f$;\n/* x; /* nested; */ y; */"
           b"SELECT \"a;b\";\nSELECT E'it\\'s; fine';")
    pieces = [sql[start:end].strip() for start, end in split_statements(sql)]
    assert len(pieces) == 4
    assert pieces[1].endswith(b"$f$;")


def test_unterminated_dollar_quote_runs_to_the_end() -> None:
    statements = parse_statements("SELECT 1;\nSELECT $$ never closed; SELECT 2;\n")
    assert [bool(s.error) for s in statements] == [False, True]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab;'\"$-*/\n é")), max_size=60))
def test_parsing_never_raises_on_arbitrary_text(text: str) -> None:
    for statement in parse_statements(text):
        assert statement.span.line >= 1 and statement.span.column >= 1


def test_go_templates_become_identifiers_on_the_same_line() -> None:
    text = preprocess('CREATE TABLE {{ index .Options "Namespace" }}.users (id int);\n')
    (statement,) = parse_statements(text)
    assert statement.node["relation"]["schemaname"] == "namespace"


def test_psql_meta_commands_are_blanked_keeping_lines() -> None:
    text = preprocess("\\set ON_ERROR_STOP on\nCREATE TABLE a (id int);\n")
    (statement,) = parse_statements(text)
    assert statement.span.line == 2


def test_ignore_applies_to_next_statement_or_the_one_on_its_line() -> None:
    sql = (
        "-- dbreview:ignore drop-table -- replaced by v2\n"
        "DROP TABLE old;\n"
        "DROP TABLE other; -- dbreview:ignore drop-table, cascade -- gone\n"
        "DROP TABLE kept;\n"
        "-- dbreview:ignore-file truncate -- fixtures\n"
    )
    statements = parse_statements(sql)
    directives = apply_directives(sql, statements)
    assert statements[0].ignores == {"drop-table": "replaced by v2"}
    assert statements[1].ignores == {"drop-table": "gone", "cascade": "gone"}
    assert statements[2].ignores == {}
    assert directives.ignore_file == {"truncate": "fixtures"}
    assert [ignore.line for ignore in directives.every_ignore()] == [1, 3, 5]


def test_no_transaction_directive() -> None:
    sql = "-- dbreview:no-transaction\nCREATE INDEX CONCURRENTLY i ON a (b);"
    assert apply_directives(sql, parse_statements(sql)).no_transaction
