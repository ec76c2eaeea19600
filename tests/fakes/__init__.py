"""The fake GitHub and the service harness shared by tests/github and tests/web."""
