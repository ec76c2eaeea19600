"""How fast does `dbreview serve` acknowledge webhooks while it reviews behind them?

Starts the fake GitHub of the tests (loopback HTTP) with PULLS pull requests that each add a
migration, then `dbreview serve` as a subprocess pointed at it, and sends signed deliveries at
RATE per second for SECONDS, open loop (each on its schedule, whatever the previous answers
took): mostly `pull_request` synchronize events (reviews), some comments without a command
and some redeliveries, as a busy repository sends. It reports

- acknowledgement latency p50/p90/p99/max, measured by the sender from request to answer;
- throughput (deliveries answered per second) and the answers by status;
- reviews completed (check runs completed on the fake GitHub) and how long the queue took to
  drain after the last delivery.

    .venv/bin/python benchmarks/bench_webhooks.py [--rate 200] [--seconds 10] [--pulls 20]

Target: p99 under 50 ms at 200 deliveries per second on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the fake lives under tests/

from tests.cli_support import ORDERS_HISTORY  # noqa: E402
from tests.fakes import payloads  # noqa: E402
from tests.fakes.github import FakeGitHub, Pull, Repo  # noqa: E402
from tests.fakes.service import APP_ID, WEBHOOK_SECRET, app_key, signature  # noqa: E402

TARGET_P99_MS = 50.0
SENDERS = 8  # threads sharing the schedule, so one slow answer does not delay the next send


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send")
    parser.add_argument("--pulls", type=int, default=20, help="pull requests to review")
    options = parser.parse_args()
    private_key, public_key = app_key()
    with FakeGitHub(app_id=APP_ID, public_key=public_key) as fake, \
            tempfile.TemporaryDirectory(prefix="dbreview-bench-") as directory:
        repo = fake.add_repo("octo/shop")
        pulls = [_pull(repo, number) for number in range(1, options.pulls + 1)]
        key_file = Path(directory) / "app.pem"
        key_file.write_text(private_key)
        port = _free_port()
        server = _serve(fake.url, key_file, port, Path(directory))
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, server)
            deliveries = _deliveries(repo, pulls, int(options.rate * options.seconds))
            results, sent_for = _send(url, deliveries, options.rate)
            drained = _drain(fake, repo, pulls)
        finally:
            server.terminate()
            server.wait(10)
    _report(results, sent_for, drained, len(repo.check_runs))
    return 0 if _p99_ms(results) < TARGET_P99_MS else 1


def _pull(repo: Repo, number: int) -> Pull:
    base = repo.commit({"supabase/migrations/20240101000000_orders.sql": ORDERS_HISTORY},
                       branch="main")
    migration = (f"-- index orders for report {number}\n"
                 f"CREATE INDEX orders_report_{number}_idx ON orders (customer_id);\n")
    head = repo.commit({f"supabase/migrations/2025060100{number:04d}_report_{number}.sql":
                        migration}, parent=base)
    return repo.open_pull(base=base, head=head, number=number, head_ref=f"report-{number}")


def _deliveries(repo: Repo, pulls: list[Pull], count: int) -> list[tuple[str, str, bytes]]:
    """(event, delivery id, body): 75% reviews, 15% comments without a command, 10% repeats."""
    rng = random.Random(7)
    sent: list[tuple[str, str, bytes]] = []
    for _ in range(count):
        roll = rng.random()
        pull = rng.choice(pulls)
        if roll < 0.10 and sent:
            sent.append(rng.choice(sent))
        elif roll < 0.25:
            comment = {"id": rng.randrange(10**9), "body": "Looks good to me",
                       "user": {"login": "bob", "type": "User"}}
            body = payloads.issue_comment(repo, pull, comment)
            sent.append(("issue_comment", str(uuid.uuid4()), json.dumps(body).encode()))
        else:
            body = payloads.pull_request(repo, pull, "synchronize")
            sent.append(("pull_request", str(uuid.uuid4()), json.dumps(body).encode()))
    return sent


def _send(url: str, deliveries: list[tuple[str, str, bytes]], rate: float
          ) -> tuple[Results, float]:
    results = Results()
    start = time.perf_counter() + 0.2
    slots = iter(range(len(deliveries)))
    slot_lock = threading.Lock()

    def sender() -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                with slot_lock:
                    index = next(slots, None)
                if index is None:
                    return
                event, delivery, body = deliveries[index]
                delay = start + index / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
                           "X-Hub-Signature-256": signature(body),
                           "Content-Type": "application/json"}
                sent = time.perf_counter()
                answer = client.post(f"{url}/webhook", content=body, headers=headers)
                results.add(time.perf_counter() - sent, answer.status_code)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - start


def _drain(fake: FakeGitHub, repo: Repo, pulls: list[Pull]) -> float:
    """Seconds until every pull request's head has a completed check run and nothing runs."""
    start = time.perf_counter()

    def reviewed() -> bool:
        runs = list(repo.check_runs.values())
        done = {run["head_sha"] for run in runs if run["status"] == "completed"}
        return all(run["status"] == "completed" for run in runs) and all(
            pull.head_sha in done for pull in pulls)

    fake.wait_until(reviewed, timeout=600)
    return time.perf_counter() - start


def _p99_ms(results: Results) -> float:
    return _percentile(results.latencies, 99) * 1000


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


def _report(results: Results, sent_for: float, drained: float, runs: int) -> None:
    latencies = results.latencies
    print(f"deliveries      {len(latencies)} in {sent_for:.1f} s: "
          f"{len(latencies) / sent_for:.0f} per second")
    print("answers         " + ", ".join(f"{status}: {count}" for status, count
                                        in sorted(results.statuses.items())))
    print(f"ack latency ms  p50 {_percentile(latencies, 50) * 1000:.1f}  "
          f"p90 {_percentile(latencies, 90) * 1000:.1f}  p99 {_p99_ms(results):.1f}  "
          f"max {max(latencies) * 1000:.1f}  (mean {statistics.mean(latencies) * 1000:.1f})")
    print(f"reviews         {runs} check runs completed; queue drained "
          f"{drained:.1f} s after the last delivery")
    verdict = "met" if _p99_ms(results) < TARGET_P99_MS else "MISSED"
    print(f"target          p99 < {TARGET_P99_MS:.0f} ms: {verdict}")


def _serve(api_url: str, key_file: Path, port: int, directory: Path) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("DBREVIEW_")}
    env.update(DBREVIEW_APP_ID=str(APP_ID), DBREVIEW_PRIVATE_KEY_FILE=str(key_file),
               DBREVIEW_WEBHOOK_SECRET=WEBHOOK_SECRET, DBREVIEW_GITHUB_API_URL=api_url,
               DBREVIEW_SECONDS_BETWEEN_WRITES="0", DBREVIEW_LOG_LEVEL="warning")
    return subprocess.Popen([sys.executable, "-m", "dbreview.cli", "serve", "--port", str(port)],
                            cwd=directory, env=env, stderr=subprocess.DEVNULL)


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("dbreview serve exited; run it by hand to see why")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("dbreview serve did not become ready within 30 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    raise SystemExit(main())
