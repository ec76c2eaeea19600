"""The PR comment of realistic pull requests, pinned. Read a golden file as a reviewer would:
the verdict and what decides the merge come first.

Regenerate after an intended change with `DBREVIEW_UPDATE_GOLDEN=1 pytest tests/render`, then
read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dbreview.render.markdown import MAX_COMMENT, Links, render
from tests.render.prs import PULL_REQUESTS, PullRequest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DBREVIEW_UPDATE_GOLDEN") == "1"
HEAD_SHA = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"
CHECK_RUN = "https://github.com/acme/app/runs/4242"
LINKS = Links(docs="https://github.com/acme/dbreview/blob/main/docs/rules/",
              blob=f"https://github.com/acme/app/blob/{HEAD_SHA}/")


def comment(pr: PullRequest, root: Path) -> str:
    return render(pr.review(root), head_sha=HEAD_SHA, details_url=CHECK_RUN, links=LINKS,
                  ignored=pr.accepted)


@pytest.mark.parametrize("pr", PULL_REQUESTS, ids=[pr.name for pr in PULL_REQUESTS])
def test_comment_matches_its_golden_file(pr: PullRequest, tmp_path: Path) -> None:
    markdown = comment(pr, tmp_path)
    golden = GOLDEN / f"{pr.name}.md"
    if UPDATE:
        golden.write_text(markdown, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == markdown, (
        f"{golden.name} differs: if the change is intended, regenerate with "
        "DBREVIEW_UPDATE_GOLDEN=1 and read the diff")
    assert len(markdown) < MAX_COMMENT


@pytest.mark.parametrize(("pr", "verdict"), [
    (PULL_REQUESTS[0], "**Ready to merge**"),
    (PULL_REQUESTS[1], "**Not ready to merge**: downtime risk high · backfill needed"),
    (PULL_REQUESTS[2], "**Not ready to merge**: downtime risk high · backfill needed · can lose "
                       "data"),
    (PULL_REQUESTS[3], "**Ready to merge**"),
], ids=[pr.name for pr in PULL_REQUESTS])
def test_the_verdict_is_in_the_first_lines(pr: PullRequest, verdict: str,
                                          tmp_path: Path) -> None:
    """Ten seconds: the verdict line and what decides the merge open the comment."""
    lines = comment(pr, tmp_path).splitlines()
    assert lines[1].startswith(("✅", "⚠️", "❌"))
    assert lines[1].endswith("at `4f2a9c1`")
    assert lines[3].startswith(verdict)
