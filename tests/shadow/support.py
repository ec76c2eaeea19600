"""Shadow runs on the test server (tests/pg.py's), or a skip that says why there is none."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from dbreview.config import Config
from dbreview.engine import Changeset
from dbreview.shadow.model import ShadowRun
from dbreview.shadow.server import Limits
from dbreview.shadow.session import ShadowSession, open_session
from tests.pg import ADMIN_DSN
from tests.support import CHANGESET_VERSION, Project, review_changeset

CASES = Path(__file__).resolve().parents[1] / "rules" / "cases"


def require_server() -> None:
    try:
        psycopg.connect(ADMIN_DSN, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server reachable at {ADMIN_DSN}: {str(error).strip()}")


@contextmanager
def shadow(config: Config | None = None, limits: Limits | None = None
           ) -> Iterator[ShadowSession]:
    require_server()
    with open_session(ADMIN_DSN, config or Config(), limits or Limits()) as session:
        yield session


@contextmanager
def case_shadow(case: dict[str, Any]) -> Iterator[ShadowSession | None]:
    """A shadow session for a rule case that asks for one (`shadow: true`), else None."""
    if not case.get("shadow"):
        yield None
        return
    with shadow() as session:
        yield session


def case_project(root: Path, case: dict[str, Any]) -> Project:
    """A rule case of tests/rules/cases as a project on disk."""
    history = case.get("history", [])
    if "files" in case:
        changeset = [(item["name"], item["sql"]) for item in case["files"]]
    else:
        changeset = [(case.get("filename", f"{CHANGESET_VERSION}_change.sql"), case["sql"])]
    return Project(root=root, history=[history] if isinstance(history, str) else history,
                   changeset=changeset, files=case.get("repository", {}))


def locking_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, case) for path in sorted((CASES / "locking").glob("*.yml"))
            for case in yaml.safe_load(path.read_text())["cases"]]


def shadow_review(root: Path, sql: str, history: list[str] | None = None,
                  limits: Limits | None = None) -> Changeset:
    """One changeset file after its history, reviewed with a shadow run of its own."""
    project = Project(root=root, history=history or [],
                      changeset=[(f"{CHANGESET_VERSION}_change.sql", sql)])
    with shadow(limits=limits) as session:
        return review_changeset(project, shadow=session)


def findings(changeset: Changeset, rule: str) -> list[tuple[int, str]]:
    assert changeset.review is not None
    return [(finding.line, finding.message) for finding in changeset.review.findings()
            if finding.rule == rule]


def shadow_run(changeset: Changeset) -> ShadowRun:
    run = changeset.context.shadow
    assert run is not None, "the review ran without a shadow"
    return run
