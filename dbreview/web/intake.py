"""Reading a webhook delivery safely: the body within its size limit, its HMAC-SHA256
signature (`X-Hub-Signature-256`) checked over the raw bytes in constant time."""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

SIGNATURE_PREFIX = "sha256="


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing to read past `limit` bytes whatever Content-Length claims."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()
    # Bytes: compare_digest refuses non-ASCII str, and a forged header may hold anything.
    return hmac.compare_digest(expected.encode(), header.encode("utf-8", "replace"))
