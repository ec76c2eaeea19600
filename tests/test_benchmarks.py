"""The benchmarks keep running as the code they time changes (they reach into the engine to time
its phases), so the figures docs/performance.md quotes can be measured again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "supabase" / "migrations"


def test_the_phase_benchmark_times_every_phase_of_a_review() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_phases.py"),
                          str(EXAMPLE)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    timed = {line.split("%", 1)[1].strip() for line in run.stdout.splitlines() if "%" in line}
    assert {"rules (the checks themselves)", "findings (masking, configuration, suppressions)",
            "changes", "replay into the schema model", "JSON rendering"} <= timed
