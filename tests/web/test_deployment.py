"""The deployment files agree with the service: the App's manifest asks for exactly the
permissions and events the service uses, the compose file sets real settings, the image runs
`dbreview serve` as a non-root user with a health check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from dbreview.github.events import EVENTS
from dbreview.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_manifest_asks_for_exactly_what_the_app_needs() -> None:
    manifest = json.loads((ROOT / "app/manifest.json").read_text())
    assert manifest["default_permissions"] == {
        "checks": "write", "pull_requests": "write", "issues": "write", "contents": "read",
        "metadata": "read"}
    assert set(manifest["default_events"]) == EVENTS
    assert manifest["hook_attributes"]["url"].endswith("/webhook")


def test_the_compose_file_sets_only_settings_the_service_reads() -> None:
    compose = yaml.safe_load((ROOT / "app/compose.yaml").read_text())
    service = compose["services"]["dbreview"]
    names = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    assert set(service["environment"]) <= names
    assert {"DBREVIEW_APP_ID", "DBREVIEW_WEBHOOK_SECRET",
            "DBREVIEW_PRIVATE_KEY_FILE"} <= set(service["environment"])
    assert service["command"] == ["serve", "--host", "0.0.0.0", "--port", "8000"]


def test_the_image_runs_the_service_as_a_non_root_user_with_a_health_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert final_stage.startswith("python:3.11-slim")
    assert re.search(r"^USER (?!root|0\b)\S+", final_stage, re.MULTILINE)
    assert "HEALTHCHECK" in final_stage and "/healthz" in final_stage
    assert 'CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]' in final_stage
