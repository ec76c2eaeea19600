"""`--format json`: the review model as it is, schema_version 1 (docs/cli.md): the keys cli.md
defines keep their meaning; keys added since follow them."""

from __future__ import annotations

from dbreview.review.model import Review


def render(review: Review) -> str:
    # Compact (pydantic's encoder writes it in one pass); `jq .` pretty prints it for people.
    document = review.to_json()
    document += b"\n"
    return document.decode()
