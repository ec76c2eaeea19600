"""Mermaid itself accepts the relationship maps: its parser (node) and, where Chromium is
installed, the Mermaid CLI, which renders each diagram to SVG the way GitHub draws it.

Needs `npm ci --prefix tests/mermaid` (.ci/run does it); skips with the reason otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dbreview.explain import relationship_map
from dbreview.schema.model import Key
from tests.explain.schemas import PROJECT_SCHEMA, schema_of

MERMAID = Path(__file__).resolve().parent.parent / "mermaid"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "supabase" / "migrations"
# Names and types that need sanitising, a self-reference, a composite and a one-to-one key,
# targets outside the migrations, and a focused table with no relationship at all.
AWKWARD_SCHEMA = """
CREATE SCHEMA billing;
CREATE TABLE billing."Order Items" (
  "Unit Price" numeric(10,2), "2nd" int, "select" timestamp with time zone, tags text[],
  "weird""quote" text, owner uuid REFERENCES auth.users (id),
  parent int REFERENCES billing."Order Items" ("2nd"), PRIMARY KEY ("2nd"));
CREATE TABLE public.class (id int PRIMARY KEY, item int UNIQUE REFERENCES billing."Order Items");
CREATE TABLE public.end (a int, b int, FOREIGN KEY (a, b) REFERENCES public.class (id, item));
CREATE TABLE public.lonely (note text);
CREATE TABLE public.to (id int PRIMARY KEY REFERENCES public.class);
CREATE TABLE public."Many" (one int, style int REFERENCES public.to);
"""


def _diagrams(root: Path) -> dict[str, str]:
    project = schema_of(root / "project", *PROJECT_SCHEMA)
    awkward = schema_of(root / "awkward", AWKWARD_SCHEMA)
    lonely: list[Key] = [("public", "lonely")]
    example_root = root / "example"
    shutil.copytree(EXAMPLE, example_root / "supabase" / "migrations")
    example = schema_of(example_root)
    return {
        "project": relationship_map(project).mermaid(),
        "project-focused": relationship_map(project, [("public", "tags")]).mermaid(),
        "awkward": relationship_map(awkward).mermaid(),
        "lonely": relationship_map(awkward, lonely).mermaid(),
        "example": relationship_map(example).mermaid(),
        "example-tasks": relationship_map(example, [("public", "tasks")]).mermaid(),
    }


def _needs_node_modules() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed; Mermaid's parser runs on node")
    if not (MERMAID / "node_modules" / "mermaid").is_dir():
        pytest.skip("tests/mermaid/node_modules is missing; run `npm ci --prefix tests/mermaid`")


def _write(diagrams: dict[str, str], directory: Path) -> list[Path]:
    directory.mkdir()
    files = []
    for name, diagram in diagrams.items():
        path = directory / f"{name}.mmd"
        path.write_text(diagram)
        files.append(path)
    return files


def test_mermaids_parser_accepts_every_map(tmp_path: Path) -> None:
    _needs_node_modules()
    files = _write(_diagrams(tmp_path), tmp_path / "diagrams")
    result = subprocess.run(["node", str(MERMAID / "validate.mjs"), *map(str, files)],
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_diagram(tmp_path: Path) -> None:
    _needs_node_modules()
    broken = tmp_path / "broken.mmd"
    broken.write_text("erDiagram\n    tasks {\n        uuid id PK, NOT_A_KEY\n    }\n")
    result = subprocess.run(["node", str(MERMAID / "validate.mjs"), str(broken)],
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 1 and "broken.mmd: Parse error" in result.stdout


def test_the_mermaid_cli_renders_every_map(tmp_path: Path) -> None:
    _needs_node_modules()
    browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                    "google-chrome"))), None)
    if browser is None:
        pytest.skip("no Chromium on this machine for the Mermaid CLI (apt-get install "
                    "chromium); the parser test still validates the diagrams")
    diagrams = _diagrams(tmp_path)
    page = tmp_path / "maps.md"
    page.write_text("".join(f"```mermaid\n{diagram}```\n\n" for diagram in diagrams.values()))
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": browser,
                                  "args": ["--no-sandbox", "--disable-gpu"]}))
    result = subprocess.run(
        [str(MERMAID / "node_modules" / ".bin" / "mmdc"), "--quiet", "-p", str(config),
         "-i", str(page), "-o", str(tmp_path / "rendered.md")],
        capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    images = sorted(tmp_path.glob("rendered-*.svg"))
    assert len(images) == len(diagrams)
    assert all("<svg" in image.read_text() for image in images)
