"""Answers kept on disk by a hash of everything that went into them (model, server, prompt and
its version, the messages, the answer's schema, the output limit): a push that does not change
the SQL asks nothing new and costs nothing.

Only answers that validated are stored, and a stored answer is validated again when read. The
cache is a saving, not a dependency: when it cannot be read or written, the call is made.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

logger = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)


def cache_key(parts: dict[str, Any]) -> str:
    encoded = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, answer_type: type[Answer]) -> Answer | None:
        try:
            text = self._path(key).read_text(encoding="utf-8")
            return answer_type.model_validate_json(text)
        except (OSError, UnicodeDecodeError, ValidationError):
            return None

    def put(self, key: str, answer: BaseModel) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: a reader never sees half an answer.
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(answer.model_dump_json())
            os.replace(temporary, path)
        except OSError as error:
            logger.warning("LLM cache not written (%s): %s", path.parent, error.strerror)
