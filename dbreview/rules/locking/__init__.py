"""Rules of the locking category."""
