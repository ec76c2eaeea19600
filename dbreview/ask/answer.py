"""`/dbreview ask` and `dbreview ask`: a question about the schema, answered in Markdown.

Questions of a known shape get an exact answer from the schema model. With an LLM, an
AI-written answer follows, clearly marked; a query in it is shown only after `check_sql` passed
it, on the first try or after one repair. Without one, or when it fails, the exact answer (or
the list of shapes understood) stands alone, with a note.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from dbreview.ask.schema_slice import neighbourhood, schema_slice
from dbreview.ask.shapes import answer_from_schema, find_table, help_text
from dbreview.ask.sql_check import CheckedSql, check_sql
from dbreview.config import Config
from dbreview.explain.facts import sorted_tables
from dbreview.llm import prompts
from dbreview.llm.client import Llm, LlmFailure, TokenBudget, attempt
from dbreview.llm.containment import OutputFilter, markdown_paragraphs, outgoing
from dbreview.render.templating import code, fence, inline
from dbreview.rules.tenancy.tenant_tables import is_tenant_table, tenant_column
from dbreview.schema.model import Schema

QUESTION_LIMIT = 1_000
FACTS_LIMIT = 4_000
SCHEMA_LIMIT = 12_000
ANSWER_LIMIT = 2_000
_WORD = re.compile(r'"?[\w$]+"?(?:\."?[\w$]+"?)?')
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


class AskDraft(BaseModel):
    answer: str
    sql: str | None


class SqlRepair(BaseModel):
    sql: str | None


async def answer(question: str, schema: Schema, config: Config, *,
                 llm: Llm | None = None) -> str:
    """The answer to `question`, in Markdown. Never raises for the LLM's sake."""
    question = " ".join(question.split())
    exact = answer_from_schema(question, schema, config)
    llm = llm or Llm.from_environment(config.llm)
    if llm is None:
        return exact or help_text(schema)
    written, answered = await _ai_answer(question, exact, schema, config, llm)
    if exact is None and not answered:
        exact = help_text(schema)
    return "\n".join(part for part in (exact, written) if part)


async def _ai_answer(question: str, exact: str | None, schema: Schema, config: Config,
                     llm: Llm) -> tuple[str, bool]:
    """The AI-written answer, or a note saying why it is missing; and whether it answered."""
    values = _values(question, exact, schema, config)

    async def draft(budget: TokenBudget) -> tuple[prompts.Prompt, AskDraft, CheckedSql | None]:
        prompt = prompts.render("ask", **values)
        drafted = await llm.generate(prompt, AskDraft, budget)
        return prompt, drafted, await _checked_query(drafted.sql, values, schema, config, llm,
                                                     budget)

    result, note = await attempt(llm, draft)
    if result is None:
        return f"_The AI-written answer is missing: {inline(note or '')}._\n", False
    return _rendered(*result, llm.model, config), True


def _values(question: str, exact: str | None, schema: Schema, config: Config) -> dict[str, Any]:
    # Words of one or two letters ("a", "is") would match tables by their plural forms.
    named = [key for word in _WORD.findall(question)
             if len(word) > 2 and (key := find_table(schema, word)) is not None]
    keys = neighbourhood(schema, named) if named else [t.key for t in sorted_tables(schema)]
    return {
        "question": outgoing(question, QUESTION_LIMIT),
        "known_facts": outgoing(exact, FACTS_LIMIT) if exact else None,
        "tenant_column": config.tenancy.column,
        "tenant_tables": [table.display for table in sorted_tables(schema)
                          if is_tenant_table(table, config) and tenant_column(table, config)],
        "schema": schema_slice(schema, keys, config, SCHEMA_LIMIT),
    }


async def _checked_query(sql: str | None, values: dict[str, Any], schema: Schema, config: Config,
                         llm: Llm, budget: TokenBudget) -> CheckedSql | None:
    """The query if it passes the checks, or its one repair if that passes; else a failed
    check (never shown), or None when the model offered no query."""
    if not sql or not sql.strip():
        return None
    checked = check_sql(sql, schema, config)
    if checked.passed:
        return checked
    repair = prompts.render("repair_sql", **values, sql=outgoing(sql, QUESTION_LIMIT * 4),
                            problems=list(checked.problems))
    try:
        repaired = await llm.generate(repair, SqlRepair, budget)
    except LlmFailure:
        return checked
    if not repaired.sql or not repaired.sql.strip():
        return checked
    second = check_sql(repaired.sql, schema, config)
    return second if second.passed else checked


def _rendered(prompt: prompts.Prompt, draft: AskDraft, checked: CheckedSql | None, model: str,
              config: Config) -> str:
    text = OutputFilter(prompt.user).clean(_FENCED.sub("", draft.answer), ANSWER_LIMIT)
    lines = [f"**AI-written answer** (model {code(model)}, prompt {prompt.name} "
             f"v{prompt.version}; check it before relying on it)", ""]
    lines += markdown_paragraphs(text)
    if checked is not None and checked.passed:
        lines += [fence(checked.sql, "sql"), "",
                  "_The query was checked against the schema: it only reads, every table and "
                  f"column exists, and it filters tenant tables by {code(config.tenancy.column)}."
                  "_", ""]
    elif checked is not None:
        lines += ["_A suggested query was left out: it failed the checks ("
                  f"{inline('; '.join(checked.problems))}), and so did its repair._", ""]
    return "\n".join(lines)
