"""`dbreview check`: find the changeset, run the analysis, render, choose the exit code."""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbreview.config import Config, load_config
from dbreview.engine import Analyzer
from dbreview.errors import InputError, UsageError
from dbreview.fanout import process_count, review_files, take_drafts
from dbreview.render import renderer
from dbreview.review.build import Reviewed, combine, rename_file
from dbreview.review.model import Enrichment, Review
from dbreview.rules import registry
from dbreview.rules.base import Scope
from dbreview.shadow import shadow_session
from dbreview.workspace import (
    Workspace,
    changed_since,
    plan_changed,
    plan_paths,
    repository_for,
)

if TYPE_CHECKING:
    from dbreview.shadow.session import ShadowSession


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
    # The changeset named directly (repository-relative paths), as the GitHub App knows it
    # from the pull request's file list; otherwise --since asks git, or each file stands alone.
    changed_paths: frozenset[str] | None = None
    root: Path | None = None  # the repository's root when it is not a git checkout
    pr_title: str | None = None  # why the change is made, in the pull request's words
    pr_body: str | None = None
    # --shadow: a scratch server's DSN; "" for DBREVIEW_SHADOW_DSN's, else a temporary cluster
    shadow: str | None = None
    jobs: int | None = None  # processes for a review file by file; None: one per core


def _effective_config(request: CheckRequest, root: Path) -> Config:
    config = load_config(request.config_path, root)
    overrides: dict[str, object] = {}
    if request.fail_on is not None:
        overrides["fail_on"] = request.fail_on
    if request.pg_version is not None:
        overrides["pg_version"] = request.pg_version
    return config.model_copy(update=overrides) if overrides else config


def _root(request: CheckRequest) -> Path:
    """Where config and history come from: the App's mirror of the repository, else the git
    repository holding the first named path (standard input has none) or the current one."""
    if request.root is not None:
        return request.root
    return repository_for([] if request.stdin else request.paths)


def build_review(request: CheckRequest) -> Review:
    root = _root(request)
    config = _effective_config(request, root)
    with shadow_session(request.shadow, config) as shadow:
        review = _build_review(request, root, config, shadow)
        if shadow is not None:
            review.shadow = shadow.summary()
        return review


def build_repository_review(request: CheckRequest) -> Review:
    """A change that touches no migration, judged by the repository-level rules alone (a
    dump it adds); needs no migration folder, unlike `build_review`."""
    root = _root(request)
    config = _effective_config(request, root)
    workspace = Workspace(root=root, changed_paths=set(request.changed_paths or ()))
    changeset = Analyzer(config=config, workspace=workspace).review_repository()
    return combine(take_drafts([changeset]), config, root=root)


def _build_review(request: CheckRequest, root: Path, config: Config,
                  shadow: ShadowSession | None) -> Review:
    workspace = Workspace(root=None if request.stdin else root)
    plans = plan_paths(request.paths, config, root)
    analyzer = Analyzer(config=config, workspace=workspace, shadow=shadow)
    parts: list[Reviewed] = []
    if request.since is not None and request.stdin:
        raise UsageError("--since reads the changeset from git; it cannot be used with `-`")
    if request.since is not None or request.changed_paths is not None:
        workspace.changed_paths = (set(request.changed_paths) if request.changed_paths is not None
                                   else changed_since(root, request.since or "HEAD"))
        changesets = [analyzer.review_together(plan.migration_set, plan.selected)
                      for plan in plan_changed(plans, workspace.changed_paths, workspace)]
        if not changesets and workspace.changed_paths:
            changesets.append(analyzer.review_repository())
        parts = take_drafts(changesets)
    else:
        total = sum(len(plan.selected) for plan in plans)
        progress = _Progress(total)
        for plan in plans:  # each folder spread by its own size: a small one stays here
            processes = 1 if shadow is not None else process_count(request.jobs,
                                                                    len(plan.selected))
            parts += review_files(analyzer, plan.migration_set, plan.selected, processes,
                                  progress.step)
        progress.done()
    _drop_repeated_changeset_findings([part.review for part in parts])
    _drop_repeated_repository_files([part.review for part in parts])
    if request.stdin:
        for part in parts:
            for report in part.review.files:
                rename_file(report, "<stdin>")
    return combine(parts, config, root=root, pr_title=request.pr_title,
                   pr_body=request.pr_body)


def _drop_repeated_repository_files(reviews: list[Review]) -> None:
    """Each migration set's changeset judges the files the change adds outside the
    migrations: keep one entry per file, and none for a file that is some set's migration."""
    migrations = {report.path for review in reviews for report in review.files
                  if not report.repository_file}
    for review in reviews:
        review.files = [report for report in review.files if not report.repository_file
                        or (report.path not in migrations and report.findings)]


def _drop_repeated_changeset_findings(reviews: list[Review]) -> None:
    """Reviewed file by file, a finding about the whole repository (no backup policy, say)
    comes back once per file; the reader needs it once."""
    catalog = registry()
    seen: set[tuple[str, str]] = set()
    for report in (report for review in reviews for report in review.files):
        kept = []
        for finding in report.findings:
            rule = catalog.by_id.get(finding.rule)
            key = (finding.rule, finding.message)
            if rule is not None and rule.scope is Scope.CHANGESET and key in seen:
                continue
            seen.add(key)
            kept.append(finding)
        report.findings = kept


class _Progress:
    """A counter on stderr for long reviews, only when a person is watching."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.visible = total >= 50 and sys.stderr.isatty()

    def step(self, files: int = 1) -> None:
        previous, self.count = self.count, self.count + files
        if self.visible and previous // 25 != self.count // 25:
            print(f"\rreviewed {self.count}/{self.total} files", end="", file=sys.stderr)

    def done(self) -> None:
        if self.visible:
            print("\r" + " " * 40 + "\r", end="", file=sys.stderr)


def run_check(request: CheckRequest) -> int:
    review = build_review(request)
    if review.shadow is not None:
        print(f"dbreview {review.shadow}", file=sys.stderr)
    if request.format in ENRICHED_FORMATS:
        review.enrichment = enrichment(review, request)
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


ENRICHED_FORMATS = ("json", "markdown")


def enrichment(review: Review, request: CheckRequest) -> Enrichment | None:
    """The AI-written notes, when `llm.enabled` and OPENAI_API_KEY are set; they go into the
    JSON under their own key and into the Markdown as their own section."""
    config = _effective_config(request, _root(request))
    if not config.llm.enabled:  # spare the openai SDK's half-second import
        return None
    import asyncio

    from dbreview.llm import EnrichmentContext, enrich

    return asyncio.run(enrich(review, EnrichmentContext(config=config)))


def _write_report(path: Path, report: str) -> None:
    try:
        path.write_text(report, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot write the report ({error.strerror}); "
                         "check --output") from None


FORMATS = ("text", "json", "markdown", "sarif", "github")

EPILOG = """\
examples:
  dbreview check                                  review the configured migration folders
  dbreview check supabase/migrations/20250101120000_invoices.sql
  dbreview check --since origin/main              one changeset: what this branch changed
  dbreview check --format sarif --output dbreview.sarif
  dbreview check --shadow                         also apply them to a temporary PostgreSQL
  cat new.sql | dbreview check -                  one migration from standard input

exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 bad input
"""


def _jobs(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 256:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of processes (1-256)")
    return int(value)


def _pg_version(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 10 <= int(value) <= 19:
        raise argparse.ArgumentTypeError(f"'{value}' is not a PostgreSQL major version (10-19)")
    return int(value)


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="review migration files (the default command)",
        description="Review migrations. Each named file is reviewed with every earlier "
        "migration of its directory as history; a directory is reviewed file by file; with "
        "--since, the files changed since REV form one changeset.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                       help="migration files or directories; `-` reads standard input")
    check.add_argument("--since", metavar="REV",
                       help="review the migrations changed since the merge-base of REV and HEAD")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format")
    check.add_argument("--config", type=Path, metavar="FILE",
                       help="configuration file (default: .github/dbreview.yml)")
    check.add_argument("--fail-on", choices=("error", "warning", "notice", "never"),
                       help="lowest severity that makes the exit code 1 (default: error)")
    check.add_argument("--pg-version", type=_pg_version, metavar="N",
                       help="PostgreSQL major version of production (default: 15)")
    check.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE")
    check.add_argument("--pr-title", metavar="TEXT",
                       help="the pull request's title: part of the review's why, and data for "
                       "the LLM when it is enabled")
    check.add_argument("--pr-body", metavar="TEXT", help="the pull request's description")
    check.add_argument("--shadow", nargs="?", const="", metavar="DSN",
                       help="also apply the migrations to a scratch PostgreSQL and report what "
                       "fails and what each statement locks: the server of DSN (a superuser "
                       "of a scratch server, never production; default: $DBREVIEW_SHADOW_DSN), "
                       "else a temporary cluster started with initdb")
    check.add_argument("--jobs", type=_jobs, metavar="N",
                       help="processes that review a folder file by file (default: one per "
                       "CPU core, up to 4, once there are 100 files per process; 1: this one "
                       "only)")
    check.set_defaults(run=run)


def run(options: argparse.Namespace) -> int:
    paths: list[Path] = options.paths
    if any(str(path) == "-" for path in paths):
        if len(paths) > 1:
            raise UsageError("`-` (standard input) cannot be combined with other paths")
        with tempfile.TemporaryDirectory(prefix="dbreview-") as directory:
            stdin_file = Path(directory) / "stdin.sql"
            # Bytes, not text: the file reader reports a BOM or invalid UTF-8 as a finding.
            stdin_file.write_bytes(sys.stdin.buffer.read())
            return run_check(_request(options, [stdin_file], stdin=True))
    return run_check(_request(options, paths))


def _request(options: argparse.Namespace, paths: list[Path], *, stdin: bool = False
             ) -> CheckRequest:
    shadow = options.shadow
    if shadow and not _DSN.match(shadow):  # `--shadow supabase/migrations`: argparse took
        shadow, paths = "", [Path(shadow), *paths]  # the path for the option's value
    return CheckRequest(
        paths=paths, since=options.since, format=options.format, config_path=options.config,
        fail_on=options.fail_on, pg_version=options.pg_version, output=options.output,
        stdin=stdin, pr_title=options.pr_title, pr_body=options.pr_body, shadow=shadow,
        jobs=options.jobs,
    )


_DSN = re.compile(r"postgres(?:ql)?://|\S+=")  # a URI or key=value connection string
