"""Rules of the isolation category."""
