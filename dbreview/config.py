"""The repository's configuration: `.github/dbreview.yml` (or `--config FILE`).

Every key is optional. Unknown keys and bad values are errors that name the key and, for a
misspelling, the key that was probably meant.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from dbreview.errors import ConfigError


def _yaml_off(value: object) -> object:
    """YAML 1.1 (PyYAML) reads a bare `off` as false; in `rules:` it means the rule is off."""
    return "off" if value is False else value


SeverityName = Annotated[Literal["error", "warning", "notice", "off"], BeforeValidator(_yaml_off)]


def _regular_expression(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"not a regular expression ({error})") from None
    return value


Pattern = Annotated[str, AfterValidator(_regular_expression)]
FailOn = Literal["error", "warning", "notice", "never"]
CONFIG_FILES = (".github/dbreview.yml", ".github/dbreview.yaml")
DEFAULT_MIGRATION_GLOBS = [
    "supabase/migrations", "migrations", "db/migrations", "database/migrations",
    "prisma/migrations", "sql/migrations",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TenancyConfig(_Strict):
    column: str = "tenant_id"
    type: str = "uuid"
    schemas: list[str] = Field(default_factory=lambda: ["public"])
    tenants_table: str = "tenants"
    global_tables: list[str] = Field(default_factory=list)
    policy_expression: str = "(select auth.uid())"


class AuditConfig(_Strict):
    table: str = "activity_log"
    function: str = "log_activity"
    exclude: list[str] = Field(default_factory=list)


class DocsConfig(_Strict):
    dir: str = "docs/schema/tables"


class LlmConfig(_Strict):
    """The optional LLM enrichment (docs in README, "LLM enrichment"). It runs only when this
    says `enabled: true` and OPENAI_API_KEY is set."""

    enabled: bool = False
    model: str | None = None  # DBREVIEW_LLM_MODEL wins: the deployment pays for the calls
    timeout: float = Field(default=20.0, gt=0, le=600)  # seconds per HTTP attempt
    max_output_tokens: int = Field(default=1200, ge=100, le=32_000)
    token_budget: int = Field(default=20_000, ge=1_000)  # per review or answer, all calls
    deadline: float = Field(default=30.0, gt=0, le=600)  # seconds for the whole enrichment


class GitHubConfig(_Strict):
    """The GitHub App's choices for this repository."""

    drafts: bool = False  # review draft pull requests too (else once marked ready)


class Config(_Strict):
    migrations: list[str] = Field(default_factory=lambda: list(DEFAULT_MIGRATION_GLOBS))
    fail_on: FailOn = "error"
    pg_version: int = Field(default=15, ge=10, le=19)
    assume_transaction: bool = True
    filename_pattern: Pattern = r"^\d{14}_[a-z0-9_-]+\.sql$"
    rules: dict[str, SeverityName] = Field(default_factory=dict)
    tenancy: TenancyConfig = Field(default_factory=TenancyConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    docs: DocsConfig = Field(default_factory=DocsConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    on_error: Literal["fail", "neutral"] = "fail"
    github: GitHubConfig = Field(default_factory=GitHubConfig)
    source: str = Field(default="defaults", exclude=True)


def _known_keys(model: type[BaseModel], location: tuple[str | int, ...]) -> list[str]:
    for part in location[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return list(model.model_fields)


def _explain(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    location = tuple(first["loc"])
    dotted = ".".join(str(part) for part in location)
    if first["type"] == "extra_forbidden":
        keys = [key for key in _known_keys(Config, location) if key != "source"]
        close = difflib.get_close_matches(str(location[-1]), keys, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(keys)}"
        return f"{source}: unknown key '{dotted}' ({hint})"
    return f"{source}: '{dotted}': {first['msg']}; fix the value"


def parse_config(data: Any, source: str) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level")
    try:
        config = Config.model_validate({**data, "source": source})
    except ValidationError as error:
        raise ConfigError(_explain(error, source)) from None
    _check_rule_ids(config)
    return config


def _check_rule_ids(config: Config) -> None:
    from dbreview.rules import registry

    known = registry().ids()
    for rule_id in config.rules:
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "see `dbreview rules`"
            raise ConfigError(f"{config.source}: unknown rule 'rules.{rule_id}' ({hint})")


def load_config(explicit: Path | None, root: Path) -> Config:
    """The config named on the command line, else the repository's, else the defaults."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such config file; check --config")
        return _load_file(explicit)
    for name in CONFIG_FILES:
        candidate = root / name
        if candidate.is_file():
            return _load_file(candidate)
    return Config()


def _load_file(path: Path) -> Config:
    try:
        return load_config_text(path.read_text(encoding="utf-8"), str(path))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from error


def load_config_text(text: str, source: str) -> Config:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None)
        detail = f" ({problem})" if problem else ""
        raise ConfigError(f"{source}: not valid YAML{where}{detail}; fix the syntax") from None
    return parse_config(data, source)
