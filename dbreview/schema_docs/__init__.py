"""The schema documentation the conventions ask for, generated from the migrations: a page per
table, the relationship map, enums, triggers and the activity log, the index strategy, the row
level security rules, a migrations summary and a backup policy template."""

from dbreview.schema_docs.files import DocFile, Outcome, is_generated, with_marker, write_file
from dbreview.schema_docs.tree import build_docs, table_doc_path, table_stub

__all__ = [
    "DocFile",
    "Outcome",
    "build_docs",
    "is_generated",
    "table_doc_path",
    "table_stub",
    "with_marker",
    "write_file",
]
