"""The answer cache is a saving, never a dependency."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from dbreview.llm.cache import ResponseCache, cache_key


class Answer(BaseModel):
    text: str


def test_a_stored_answer_is_read_back_by_the_hash_of_its_inputs(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key({"model": "m", "messages": ["a"]})
    cache.put(key, Answer(text="hello"))
    assert cache.get(key, Answer) == Answer(text="hello")
    assert cache.get(cache_key({"model": "m", "messages": ["b"]}), Answer) is None


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key({"x": 1})
    cache.put(key, Answer(text="hello"))
    (path,) = tmp_path.rglob("*.json")
    path.write_text('{"text": ')
    assert cache.get(key, Answer) is None
    path.write_text('{"other": "shape"}')
    assert cache.get(key, Answer) is None


def test_an_unwritable_directory_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = ResponseCache(blocker / "cache")
    cache.put(cache_key({"x": 1}), Answer(text="hello"))
    assert cache.get(cache_key({"x": 1}), Answer) is None
