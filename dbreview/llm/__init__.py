"""Optional LLM enrichment through the openai SDK: off unless `llm: {enabled: true}` and
OPENAI_API_KEY. It only moves data in and out; the review's findings and verdict never depend on
it (README, "LLM enrichment")."""

from dbreview.llm.client import Llm, LlmFailure, TokenBudget
from dbreview.llm.enrichment import EnrichmentContext, enrich
from dbreview.review.model import Enrichment

__all__ = ["Enrichment", "EnrichmentContext", "Llm", "LlmFailure", "TokenBudget", "enrich"]
