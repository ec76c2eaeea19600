"""Log lines: one JSON object each, with the delivery's context, and no secrets."""

from __future__ import annotations

import json
import logging
import sys

from dbreview.web.logging import JsonFormatter

TOKEN = "ghs_" + "a1B2c3D4" * 5


def record(message: str, **context: object) -> logging.LogRecord:
    entry = logging.LogRecord("dbreview.github", logging.WARNING, __file__, 1, message, (),
                              None)
    entry.__dict__.update(context)
    return entry


def test_a_line_is_json_with_the_delivery_context() -> None:
    line = JsonFormatter().format(record("review failed: x", delivery="d-1",
                                         repository="octo/shop", pr=7, head_sha="abc"))
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["message"] == "review failed: x"
    assert (entry["delivery"], entry["repository"], entry["pr"], entry["head_sha"]) == (
        "d-1", "octo/shop", 7, "abc")


def test_secrets_are_masked_in_messages_and_tracebacks() -> None:
    try:
        raise ValueError(f"token {TOKEN} rejected")
    except ValueError:
        failing = record(f"using {TOKEN}")
        failing.exc_info = sys.exc_info()
    line = JsonFormatter().format(failing)
    assert TOKEN not in line and "ghs_" in line
