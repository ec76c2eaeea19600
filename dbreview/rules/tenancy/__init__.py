"""Rules of the tenancy category."""
