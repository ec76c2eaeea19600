"""The connection to an OpenAI-compatible server, through the openai SDK.

Off unless the repository's config enables it and OPENAI_API_KEY is set. Every call is bounded
three ways: the HTTP timeout of one attempt (`llm.timeout`), the SDK's retries of 429s, 5xxs,
timeouts and dropped connections (`MAX_RETRIES`, with the SDK's exponential backoff, which
honours Retry-After), and the per-review token budget. The caller's deadline bounds them all.
A call either returns an answer that validated against its pydantic model, or raises
`LlmFailure` with a short note a reader can understand.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError

from dbreview.config import LlmConfig
from dbreview.llm.cache import ResponseCache, cache_key
from dbreview.llm.containment import estimate_tokens
from dbreview.llm.prompts import Prompt
from dbreview.llm.settings import DEFAULT_MODEL, LlmSettings

logger = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)
Result = TypeVar("Result")

# Two retries (the SDK's backoff waits about 0.5 s, then 1 s, or what Retry-After asks) ride out
# a brief rate limit or a restarting server; more would only spend the deadline waiting.
MAX_RETRIES = 2
CONNECT_TIMEOUT = 5.0


class LlmFailure(Exception):
    """A call that gave nothing usable. The message is the note readers see."""


class TokenBudget:
    """The tokens one review (or one answer) may spend, over all its calls."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def admit(self, tokens: int) -> None:
        if self.spent + tokens > self.limit:
            raise LlmFailure(f"the request needs about {tokens} tokens and the budget "
                             f"(llm.token_budget: {self.limit}) has {self.limit - self.spent} "
                             "left")

    def spend(self, tokens: int) -> None:
        self.spent += tokens


class Llm:
    """One session with the provider: `async with llm: await llm.generate(...)`."""

    def __init__(self, config: LlmConfig, settings: LlmSettings, *,
                 http_client: Any = None) -> None:
        if settings.api_key is None:
            raise ValueError("an Llm needs an API key")
        self.config = config
        self.settings = settings
        self.model = settings.model or config.model or DEFAULT_MODEL
        self.cache = ResponseCache(settings.cache_directory())
        # An httpx or httpx2 AsyncClient; None lets the SDK make its own. Tests hand in an
        # httpx one, which respx intercepts.
        self._http_client = http_client
        self._client: AsyncOpenAI | None = None

    @classmethod
    def from_environment(cls, config: LlmConfig) -> Llm | None:
        """The configured LLM, or None when it is off (the default)."""
        if not config.enabled:
            return None
        settings = LlmSettings()
        return cls(config, settings) if settings.api_key is not None else None

    async def __aenter__(self) -> Llm:
        assert self.settings.api_key is not None
        self._client = AsyncOpenAI(
            api_key=self.settings.api_key.get_secret_value(), base_url=self.settings.base_url,
            timeout=openai.Timeout(self.config.timeout, connect=CONNECT_TIMEOUT),
            max_retries=MAX_RETRIES, http_client=self._http_client,
        )
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def generate(self, prompt: Prompt, answer_type: type[Answer],
                       budget: TokenBudget) -> Answer:
        key = cache_key({
            "server": self.settings.base_url or "openai", "model": self.model,
            "prompt": prompt.label, "messages": prompt.messages(),
            "answer": answer_type.model_json_schema(),
            "max_output_tokens": self.config.max_output_tokens,
        })
        cached = self.cache.get(key, answer_type)
        if cached is not None:
            return cached
        estimate = estimate_tokens(prompt.size) + self.config.max_output_tokens
        budget.admit(estimate)
        answer, used = await self._call(prompt, answer_type)
        budget.spend(used or estimate)
        self.cache.put(key, answer)
        return answer

    async def _call(self, prompt: Prompt, answer_type: type[Answer]) -> tuple[Answer, int]:
        if self._client is None:
            raise RuntimeError("use `async with llm:` before generating")
        try:
            completion = await self._client.chat.completions.parse(
                model=self.model, messages=prompt.messages(),  # type: ignore[arg-type]
                response_format=answer_type,
                max_completion_tokens=self.config.max_output_tokens,
            )
        except (ValidationError, json.JSONDecodeError):
            raise LlmFailure("the model's answer did not have the expected structure, so it "
                             "was dropped") from None
        except openai.OpenAIError as error:
            raise LlmFailure(_describe(error, self.config.timeout)) from None
        used = completion.usage.total_tokens if completion.usage else 0
        message = completion.choices[0].message if completion.choices else None
        if message is not None and message.refusal:
            raise LlmFailure("the model declined to answer")
        if message is None or message.parsed is None:
            raise LlmFailure("the model returned an empty answer")
        return message.parsed, used


def _describe(error: openai.OpenAIError, timeout: float) -> str:
    """A short note for readers; the details go to the log."""
    logger.warning("LLM call failed: %s: %s", type(error).__name__, error)
    if isinstance(error, openai.APITimeoutError):
        return f"the model did not answer within llm.timeout ({timeout:g} s), retries included"
    if isinstance(error, openai.RateLimitError):
        return f"the provider is rate limiting requests (HTTP 429, {MAX_RETRIES} retries)"
    if isinstance(error, openai.APIStatusError):
        return f"the provider answered HTTP {error.status_code}"
    if isinstance(error, openai.APIConnectionError):
        return "the provider could not be reached"
    if isinstance(error, openai.LengthFinishReasonError):
        return "the answer was longer than llm.max_output_tokens allows, so it was dropped"
    if isinstance(error, openai.ContentFilterFinishReasonError):
        return "the provider's content filter stopped the answer"
    return f"the provider call failed ({type(error).__name__})"


async def attempt(llm: Llm, work: Callable[[TokenBudget], Awaitable[Result]]
                  ) -> tuple[Result | None, str | None]:
    """`work` in one session, within `llm.deadline` and `llm.token_budget`: its result, or None
    and a note for readers saying why there is none. Never raises: what the LLM adds is
    optional, and the deterministic output goes out without it."""
    settings = llm.config
    try:
        async with asyncio.timeout(settings.deadline), llm:
            return await work(TokenBudget(settings.token_budget)), None
    except TimeoutError:
        return None, f"no answer from the model within llm.deadline ({settings.deadline:g} s)"
    except LlmFailure as failure:
        return None, str(failure)
    except Exception:
        logger.exception("LLM work failed")
        return None, "the LLM step failed unexpectedly (see the log)"
