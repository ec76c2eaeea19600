"""Schema explanations without an LLM: relationship maps and plain-language table explanations,
for the pull request comment, `dbreview explain` and the generated docs."""

from dbreview.explain.relationships import RelationshipMap, relationship_map
from dbreview.explain.tables import GlossaryEntry, TableExplanation, explain_table

__all__ = [
    "GlossaryEntry",
    "RelationshipMap",
    "TableExplanation",
    "explain_table",
    "relationship_map",
]
