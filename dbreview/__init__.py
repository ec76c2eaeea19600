"""dbreview: review PostgreSQL and Supabase migrations before they reach production.

The data flows one way: files → statements → schema and lock facts → findings → review →
renderings.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
