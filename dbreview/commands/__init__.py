"""One module per CLI command: the work behind the arguments."""
