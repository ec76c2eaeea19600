"""Where the LLM is and who pays: the openai SDK's own variables, plus dbreview's model name and
cache directory. Read from the environment and a `.env` file in the working directory, like the
service's settings."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "gpt-4o-mini"


class LlmSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True,
                                      populate_by_name=True)

    api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    # Any OpenAI-compatible server: Azure OpenAI's v1 endpoint, vLLM, a local test double.
    base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model: str | None = Field(default=None, validation_alias="DBREVIEW_LLM_MODEL")
    cache_dir: Path | None = Field(default=None, validation_alias="DBREVIEW_LLM_CACHE_DIR")

    def cache_directory(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "dbreview" / "llm"
