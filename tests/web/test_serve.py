"""`dbreview serve` as a deployment runs it: a process configured by its environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dbreview.errors import ConfigError
from dbreview.settings import load_settings
from tests.fakes.service import app_key

REQUIRED = {"DBREVIEW_APP_ID": "4242", "DBREVIEW_WEBHOOK_SECRET": "s3cret"}


def environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """Only what the process needs: no DBREVIEW_* from the machine running the tests."""
    kept = {name: value for name, value in os.environ.items()
            if not name.startswith("DBREVIEW_")}
    return {**kept, "HOME": str(tmp_path), **variables}


def serve(tmp_path: Path, env: dict[str, str], *arguments: str
          ) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "dbreview.cli", "serve", *arguments],
                            cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_starts_with_only_the_three_required_settings(tmp_path: Path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(app_key()[0])
    port = free_port()
    process = serve(tmp_path, environment(tmp_path, DBREVIEW_PRIVATE_KEY_FILE=str(key_file),
                                          **REQUIRED), "--port", str(port))
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "dbreview serve did not start"
                time.sleep(0.1)
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    lines = [json.loads(line) for line in stderr.splitlines()]
    assert lines and all({"time", "level", "message"} <= line.keys() for line in lines)
    assert "BEGIN" not in stderr  # the private key is never logged


@pytest.mark.parametrize(("variables", "message"), [
    ({}, "DBREVIEW_APP_ID is not set; set it to the GitHub App's numeric id"),
    ({**REQUIRED}, "set exactly one of DBREVIEW_PRIVATE_KEY"),
    ({**REQUIRED, "DBREVIEW_APP_ID": "my-app", "DBREVIEW_PRIVATE_KEY": "x"},
     "DBREVIEW_APP_ID: Input should be a valid integer"),
    ({**REQUIRED, "DBREVIEW_PRIVATE_KEY": "not a key"}, "not an unencrypted RSA PEM key"),
    ({**REQUIRED, "DBREVIEW_PRIVATE_KEY_FILE": "/nonexistent/app.pem"},
     "DBREVIEW_PRIVATE_KEY_FILE=/nonexistent/app.pem: cannot read it"),
    ({**REQUIRED, "DBREVIEW_PRIVATE_KEY": "x", "DBREVIEW_GITHUB_API_URL": "api.github.com"},
     "DBREVIEW_GITHUB_API_URL: must start with https://"),
    ({**REQUIRED, "DBREVIEW_PRIVATE_KEY": "x", "DBREVIEW_LOG_LEVEL": "loud"},
     "DBREVIEW_LOG_LEVEL: Input should be 'debug', 'info', 'warning' or 'error'"),
])
def test_missing_or_malformed_settings_stop_start_up_with_one_line(
        tmp_path: Path, variables: dict[str, str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "dbreview.cli", "serve"], cwd=tmp_path,
                            env=environment(tmp_path, **variables), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("dbreview: ")
    assert message in result.stderr


def test_a_one_line_private_key_and_a_dotenv_file_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DBREVIEW_"):
            monkeypatch.delenv(name)
    flattened = app_key()[0].replace("\n", "\\n")
    (tmp_path / ".env").write_text(f"DBREVIEW_APP_ID=7\nDBREVIEW_WEBHOOK_SECRET=s\n"
                                   f"DBREVIEW_PRIVATE_KEY={flattened}\n")
    monkeypatch.chdir(tmp_path)

    settings = load_settings()

    assert settings.app_id == 7 and settings.private_key_pem() == app_key()[0]
    assert "BEGIN" not in repr(settings)


def test_settings_errors_are_config_errors(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("DBREVIEW_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="DBREVIEW_APP_ID is not set"):
        load_settings()
