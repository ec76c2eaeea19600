"""`--format json`: the review model as it is, schema_version 1 (docs/cli.md): the keys cli.md
defines keep their meaning; keys added since follow them."""

from __future__ import annotations

from dbreview.review.model import Review


def render(review: Review) -> str:
    # Compact (pydantic's encoder writes it in one pass); `jq .` pretty prints it for people.
    # The newline joins in a bytearray: a large review's JSON is tens of megabytes, and each
    # immutable copy would be held at once.
    document = bytearray(review.to_json())
    document += b"\n"
    return document.decode()
