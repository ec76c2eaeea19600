"""With an LLM, `ask` adds an AI-written answer; its SQL is shown only once it passes the checks
(first try or one repair), and a failing provider leaves the exact answer in place."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import respx

from dbreview.ask import answer
from dbreview.llm import Llm
from dbreview.schema.model import Schema
from tests.ask.schemas import CONFIG, build_schema
from tests.llm.openai_double import (
    chat,
    enabled,
    make_llm,
    refusal,
    sent_bodies,
    server_error,
    structured_answer,
    user_data,
)

CONFIG_ON = CONFIG.model_copy(update={"llm": enabled()})
GOOD_SQL = "SELECT id, total FROM invoices WHERE tenant_id = $1 AND status = 'sent'"
UNFILTERED = "SELECT id, total FROM invoices WHERE status = 'sent'"


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    return build_schema(tmp_path_factory.mktemp("ask"))


@pytest.fixture
def llm(tmp_path: Path) -> Llm:
    return make_llm(CONFIG_ON.llm, tmp_path / "cache")


def ask(question: str, schema: Schema, llm: Llm) -> str:
    return asyncio.run(answer(question, schema, CONFIG_ON, llm=llm))


def test_a_checked_query_is_shown_with_the_ai_written_answer(
        openai_api: respx.Router, schema: Schema, llm: Llm) -> None:
    route = chat(openai_api).mock(return_value=structured_answer(
        {"answer": "Unpaid invoices are those sent but not paid.", "sql": GOOD_SQL}))
    reply = ask("Which invoices are unpaid?", schema, llm)
    assert "**AI-written answer** (model `gpt-4o-mini`, prompt ask v1" in reply
    assert "Unpaid invoices are those sent but not paid\\." in reply
    assert "```sql\nSELECT\n  id,\n  total\nFROM public.invoices" in reply
    assert "it filters tenant tables by `tenant_id`" in reply
    (body,) = sent_bodies(route)
    data = user_data(body)
    assert data["question"] == "Which invoices are unpaid?"
    assert data["tenant_tables"] == ["public.customers", "public.invoices"]
    assert {table["table"] for table in data["schema"]} >= {"public.invoices"}


@pytest.mark.parametrize(("bad_sql", "problem"), [
    ("SELECT id, amount_due FROM invoices WHERE tenant_id = $1", "column that does not exist"),
    ("UPDATE invoices SET status = 'paid' WHERE tenant_id = $1", "not a SELECT"),
    (UNFILTERED, "without filtering on invoices.tenant_id"),
])
def test_a_failing_query_is_repaired_once_and_the_repair_shown(
        openai_api: respx.Router, schema: Schema, llm: Llm, bad_sql: str, problem: str) -> None:
    route = chat(openai_api).mock(side_effect=[
        structured_answer({"answer": "Here is a query.", "sql": bad_sql}),
        structured_answer({"sql": GOOD_SQL}),
    ])
    reply = ask("Which invoices are unpaid?", schema, llm)
    first, repair = sent_bodies(route)
    assert problem in " ".join(user_data(repair)["problems"])
    assert user_data(repair)["sql"] == bad_sql
    assert "tenant_id = $1" in reply and bad_sql not in reply


@pytest.mark.parametrize(("bad_sql", "repaired"), [
    ("SELECT id, amount_due FROM invoices WHERE tenant_id = $1",
     "SELECT id, amount_owed FROM invoices WHERE tenant_id = $1"),
    ("UPDATE invoices SET status = 'paid' WHERE tenant_id = $1",
     "DELETE FROM invoices WHERE tenant_id = $1"),
    (UNFILTERED, "SELECT id FROM invoices"),
])
def test_a_query_whose_repair_fails_too_is_never_shown(
        openai_api: respx.Router, schema: Schema, llm: Llm, bad_sql: str,
        repaired: str) -> None:
    route = chat(openai_api).mock(side_effect=[
        structured_answer({"answer": "Here is a query.", "sql": bad_sql}),
        structured_answer({"sql": repaired}),
    ])
    reply = ask("Which invoices are unpaid?", schema, llm)
    assert route.call_count == 2  # one repair, no more
    assert "```" not in reply
    assert bad_sql not in reply and repaired not in reply
    assert "A suggested query was left out: it failed the checks" in reply


def test_the_exact_answer_comes_first_and_grounds_the_model(
        openai_api: respx.Router, schema: Schema, llm: Llm) -> None:
    route = chat(openai_api).mock(return_value=structured_answer(
        {"answer": "Only invoices point at customers.", "sql": None}))
    reply = ask("Which tables reference customers?", schema, llm)
    assert reply.index("**Tables that reference") < reply.index("**AI-written answer**")
    (body,) = sent_bodies(route)
    assert "public.invoices" in user_data(body)["known_facts"]


@pytest.mark.parametrize("failure", [refusal(), server_error(),
                                     httpx.Response(200, json={"choices": "not a list"})])
def test_when_the_model_fails_the_exact_answer_stands_with_a_note(
        openai_api: respx.Router, schema: Schema, llm: Llm, failure: httpx.Response) -> None:
    chat(openai_api).mock(return_value=failure)
    reply = ask("Which tables reference customers?", schema, llm)
    assert "- `public.invoices`: `customer_id` → `public.customers`" in reply
    assert "_The AI-written answer is missing: " in reply


def test_when_the_model_fails_on_an_open_question_the_shapes_are_listed(
        openai_api: respx.Router, schema: Schema, llm: Llm) -> None:
    chat(openai_api).mock(return_value=refusal())
    reply = ask("How do invoices get paid?", schema, llm)
    assert "Without an LLM" in reply
    assert "_The AI-written answer is missing: the model declined to answer._" in reply


def test_the_model_cannot_smuggle_links_commands_or_sql_into_its_prose(
        openai_api: respx.Router, schema: Schema, llm: Llm) -> None:
    chat(openai_api).mock(return_value=structured_answer({
        "answer": "See https://evil.example/pay and run /dbreview ignore tenant-column-missing."
                  "\n\n```sql\nDELETE FROM invoices\n```\n\n<script>alert(1)</script> @admins",
        "sql": None}))
    reply = ask("How do invoices get paid?", schema, llm)
    assert "evil.example" not in reply and "link removed" in reply
    assert "/dbreview" not in reply
    assert "DELETE" not in reply
    assert "<script>" not in reply and "@admins" not in reply
