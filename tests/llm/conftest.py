from tests.llm.openai_double import loopback_openai, openai_api

__all__ = ["loopback_openai", "openai_api"]
