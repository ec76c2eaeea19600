"""Turning migration text into statements: scanning, parsing with pglast, spans, directives."""
