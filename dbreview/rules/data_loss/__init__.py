"""Rules of the data-loss category."""
