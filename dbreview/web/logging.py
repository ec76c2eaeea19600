"""Structured logs: one JSON object per line on stderr.

Every line passes through `mask_secrets`, so a credential that reaches a message (from SQL in
an error, a token in a library's debug output) is masked. PyGithub's own logger stays at
WARNING: at DEBUG it prints response bodies, installation tokens included.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from dbreview.secrets import mask_secrets

# Context the jobs attach to their log lines (see dbreview.github.events).
CONTEXT_FIELDS = ("delivery", "event", "repository", "pr", "head_sha")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            if (value := record.__dict__.get(name)) is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("github").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
