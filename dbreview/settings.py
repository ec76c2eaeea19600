"""The service's settings (`dbreview serve`): environment variables prefixed `DBREVIEW_`, and a
`.env` file in the working directory.

The names in the first group are public (review.md, "Running the service"); the tuning knobs
after them have defaults that suit github.com and are documented in docs/deployment.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dbreview.errors import ConfigError

ENV_PREFIX = "DBREVIEW_"
LogLevel = Literal["debug", "info", "warning", "error"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore",
                                      frozen=True)

    app_id: int = Field(gt=0)
    private_key: SecretStr | None = None
    private_key_file: Path | None = None
    webhook_secret: SecretStr
    github_api_url: str = "https://api.github.com"
    log_level: LogLevel = "info"
    shadow_dsn: SecretStr | None = None
    llm_model: str | None = None
    docs_url: str | None = None  # base URL of the rule pages (docs/rules/), for links


    # Tuning. GitHub caps webhook payloads at 25 MB.
    max_body_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    workers: int = Field(default=2, ge=1, le=32)  # reviews running at once
    queue_size: int = Field(default=1000, ge=1)  # deliveries waiting; beyond it: 503
    retry_attempts: int = Field(default=5, ge=1, le=20)
    retry_max_wait: float = Field(default=120.0, ge=0)  # longest Retry-After honoured, seconds
    request_timeout: int = Field(default=15, gt=0)  # seconds
    # GitHub asks integrators to space out writes to avoid its secondary rate limits; a
    # review makes a handful, so a short pause costs little (PyGithub's default is 1 s).
    seconds_between_requests: float = Field(default=0.0, ge=0)
    seconds_between_writes: float = Field(default=0.2, ge=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_case_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("github_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test double)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_private_key(self) -> Settings:
        if (self.private_key is None) == (self.private_key_file is None):
            raise ValueError(f"set exactly one of {ENV_PREFIX}PRIVATE_KEY (the PEM text) or "
                             f"{ENV_PREFIX}PRIVATE_KEY_FILE (its path)")
        _check_pem(self.private_key_pem())
        return self

    def private_key_pem(self) -> str:
        if self.private_key is not None:
            # Env files and CI secret stores often flatten the PEM to one line with "\n".
            return self.private_key.get_secret_value().replace("\\n", "\n")
        assert self.private_key_file is not None
        try:
            return self.private_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not a text file"
            raise ValueError(f"{ENV_PREFIX}PRIVATE_KEY_FILE={self.private_key_file}: cannot "
                             f"read it ({reason}); point it at the App's .pem file") from None


def _check_pem(pem: str) -> None:
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the private key is not an unencrypted RSA PEM key; use the .pem file "
                         "GitHub generated for the App")


def load_settings() -> Settings:
    """The settings from the environment, or a ConfigError naming the variable and the fix."""
    try:
        return Settings()  # the required values come from the environment
    except ValidationError as error:
        raise ConfigError(_explain(error)) from None


_HINTS = {
    "app_id": "the GitHub App's numeric id (App settings → About)",
    "webhook_secret": "the webhook secret entered when the App was registered",
}


def _explain(error: ValidationError) -> str:
    first = error.errors()[0]
    if not first["loc"]:  # a model-level check: its message already names the variables
        return f"settings: {first['msg'].removeprefix('Value error, ')}"
    name = f"{ENV_PREFIX}{str(first['loc'][0]).upper()}"
    if first["type"] == "missing":
        return f"{name} is not set; set it to {_HINTS.get(str(first['loc'][0]), 'a value')}"
    message = first["msg"].removeprefix("Value error, ")
    return f"{name}: {message}; fix the value"
