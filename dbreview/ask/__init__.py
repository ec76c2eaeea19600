"""Questions about the schema (`dbreview ask`, `/dbreview ask`): exact answers for the common
shapes, an optional AI-written answer whose SQL is checked before it is shown."""

from dbreview.ask.answer import answer

__all__ = ["answer"]
