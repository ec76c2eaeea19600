"""Rules of the shadow category: what a real PostgreSQL showed (only with `--shadow`)."""
