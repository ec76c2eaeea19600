"""Rules of the hygiene category."""
