"""How fast does `dbreview check --shadow` replay real migration histories?

For each project of the corpus (default: getfider__fider, documenso__documenso and
openmeterio__openmeter), runs `dbreview check --shadow --format json` on its migration folder
as a subprocess: every file is reviewed as a changeset after the earlier ones, applied to the
shadow server statement by statement, its down migration (where there is one) run and the schema
compared. Prints per project the statements, how many were traced, the shadow findings, the
wall time and statements per second.

    .venv/bin/python benchmarks/bench_shadow.py CORPUS [--dsn DSN] [--project NAME ...]

CORPUS is the folder of `<owner>__<repo>` corpora (INDEX.md describes them). Without --dsn
(or DBREVIEW_SHADOW_DSN) each run starts and removes a temporary cluster, which the time
includes. The corpus stays outside the project: no test needs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# project -> its migration folder, as the corpus keeps it (see INDEX.md)
PROJECTS = {
    "getfider__fider": "migrations",
    "documenso__documenso": "packages/prisma/migrations",
    "openmeterio__openmeter": "tools/migrate/migrations",
}


@dataclass(frozen=True, slots=True)
class Result:
    project: str
    files: int
    statements: int
    traced: int
    apply_errors: int
    down_errors: int
    seconds: float
    summary: str

    @property
    def rate(self) -> float:
        return self.statements / self.seconds if self.seconds else 0.0


def replay(corpus: Path, project: str, dsn: str) -> Result:
    folder = corpus / project / PROJECTS[project]
    if not folder.is_dir():
        raise SystemExit(f"bench_shadow: {folder} is not a folder; is {corpus} the corpus?")
    shadow = [f"--shadow={dsn}"] if dsn else ["--shadow"]
    command = [sys.executable, "-m", "dbreview.cli", "check", "--format", "json",
               "--fail-on", "never", str(folder), *shadow]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench_shadow: {project}: exit {done.returncode}\n{done.stderr}")
    report = json.loads(done.stdout)
    rules = [finding["rule"] for file in report["files"] for finding in file["findings"]]
    summary = next((line for line in done.stderr.splitlines() if "shadow:" in line), "")
    return Result(
        project=project, files=len(report["files"]),
        statements=sum(file["statements"] for file in report["files"]),
        traced=sum(facts["observed"] for facts in report["impact"]["statements"]),
        apply_errors=rules.count("apply-error"), down_errors=rules.count("down-error"),
        seconds=seconds, summary=summary.removeprefix("dbreview "),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="the corpus folder (holds INDEX.md)")
    parser.add_argument("--dsn", default=os.environ.get("DBREVIEW_SHADOW_DSN", ""),
                        help="a scratch server's DSN (default: a temporary cluster)")
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS),
                        help="replay only this project (repeatable)")
    options = parser.parse_args()
    results = [replay(options.corpus, project, options.dsn)
               for project in options.project or PROJECTS]
    print(f"{'project':<26}{'files':>7}{'stmts':>8}{'traced':>8}{'apply':>7}{'down':>6}"
          f"{'seconds':>9}{'stmts/s':>9}")
    for result in results:
        print(f"{result.project:<26}{result.files:>7}{result.statements:>8}{result.traced:>8}"
              f"{result.apply_errors:>7}{result.down_errors:>6}{result.seconds:>9.1f}"
              f"{result.rate:>9.0f}")
    statements = sum(result.statements for result in results)
    seconds = sum(result.seconds for result in results)
    print(f"{'all':<26}{'':>7}{statements:>8}{'':>8}{'':>7}{'':>6}{seconds:>9.1f}"
          f"{statements / seconds:>9.0f}")
    for result in results:
        print(f"{result.project}: {result.summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
