"""What a statement does to production: the locks it takes, what it rewrites or scans."""
