"""Rules of the audit category."""
