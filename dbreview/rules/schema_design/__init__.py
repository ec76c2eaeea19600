"""Rules of the schema-design category."""
