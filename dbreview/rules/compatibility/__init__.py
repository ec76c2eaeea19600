"""Rules of the compatibility category."""
