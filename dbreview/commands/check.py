"""`dbreview check`: find the changeset, run the analysis, render, choose the exit code."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from dbreview.config import Config, load_config
from dbreview.engine import Analyzer
from dbreview.errors import InputError, UsageError
from dbreview.render import renderer
from dbreview.review.impact import merge_impacts
from dbreview.review.model import Review
from dbreview.workspace import Workspace, changed_since, plan_changed, plan_paths, repository_root


@dataclass(frozen=True, slots=True)
class CheckRequest:
    paths: list[Path]
    since: str | None = None
    format: str = "text"
    config_path: Path | None = None
    fail_on: str | None = None
    pg_version: int | None = None
    output: Path | None = None
    stdin: bool = False


def _effective_config(request: CheckRequest, root: Path) -> Config:
    config = load_config(request.config_path, root)
    overrides: dict[str, object] = {}
    if request.fail_on is not None:
        overrides["fail_on"] = request.fail_on
    if request.pg_version is not None:
        overrides["pg_version"] = request.pg_version
    return config.model_copy(update=overrides) if overrides else config


def _root(request: CheckRequest) -> Path:
    """The git repository holding the first named path (so a check run from elsewhere still
    finds its config and history), else the current directory's, else the current directory."""
    starts = [Path.cwd()]
    if request.paths and not request.stdin:
        first = request.paths[0]
        starts.insert(0, first if first.is_dir() else first.parent)
    for start in starts:
        if start.is_dir() and (root := repository_root(start)) is not None:
            return root
    return Path.cwd()


def build_review(request: CheckRequest) -> Review:
    root = _root(request)
    config = _effective_config(request, root)
    workspace = Workspace(root=None if request.stdin else root)
    plans = plan_paths(request.paths, config, root)
    analyzer = Analyzer(config=config, workspace=workspace)
    changesets = []
    if request.since is not None:
        if request.stdin:
            raise UsageError("--since reads the changeset from git; it cannot be used with `-`")
        workspace.changed_paths = changed_since(root, request.since)
        for plan in plan_changed(plans, workspace.changed_paths, workspace):
            changesets.append(analyzer.review_together(plan.migration_set, plan.selected))
    else:
        total = sum(len(plan.selected) for plan in plans)
        progress = _Progress(total)
        for plan in plans:
            for changeset in analyzer.review_each(plan.migration_set, plan.selected):
                changesets.append(changeset)
                progress.step()
        progress.done()
    reviews = [changeset.review for changeset in changesets if changeset.review is not None]
    review = Review(files=[report for r in reviews for report in r.files],
                    impact=merge_impacts([r.impact for r in reviews]), fail_on=config.fail_on)
    if request.stdin:
        for report in review.files:
            report.path = "<stdin>"
            for finding in report.findings:
                finding.path = "<stdin>"
    return review


class _Progress:
    """A counter on stderr for long reviews, only when a person is watching."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.visible = total >= 50 and sys.stderr.isatty()

    def step(self) -> None:
        self.count += 1
        if self.visible and self.count % 25 == 0:
            print(f"\rreviewed {self.count}/{self.total} files", end="", file=sys.stderr)

    def done(self) -> None:
        if self.visible:
            print("\r" + " " * 40 + "\r", end="", file=sys.stderr)


def run_check(request: CheckRequest) -> int:
    review = build_review(request)
    if request.format == "text":
        from dbreview.render.text import render

        colour = request.output is None and sys.stdout.isatty()
        output = render(review, colour=colour)
    else:
        output = renderer(request.format)(review)
    if request.output is not None:
        _write_report(request.output, output)
    else:
        sys.stdout.write(output)
    return 1 if review.failed else 0


def _write_report(path: Path, report: str) -> None:
    try:
        path.write_text(report, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot write the report ({error.strerror}); "
                         "check --output") from None
