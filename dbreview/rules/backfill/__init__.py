"""Rules of the backfill category."""
