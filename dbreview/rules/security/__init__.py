"""Rules of the security category."""
