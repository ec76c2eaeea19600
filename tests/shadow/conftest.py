"""Every shadow test leaves the server with the databases it found: each scratch database a
review of this test run created is gone when the tests end (other runs may share the server)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from dbreview.shadow.server import ScratchDatabase
from tests.pg import ADMIN_DSN


@pytest.fixture(autouse=True, scope="package")
def _no_database_left_behind() -> Iterator[None]:
    created: list[str] = []
    original = ScratchDatabase.__init__

    def recording(self: ScratchDatabase, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        created.append(self.name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScratchDatabase, "__init__", recording)
        yield
    if not created:
        return
    with psycopg.connect(ADMIN_DSN, connect_timeout=3) as admin:
        left = admin.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)",
                             [created]).fetchall()
    assert left == [], f"scratch databases left on the server: {left}"
