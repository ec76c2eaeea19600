"""The review: findings, suppressions and impact facts of a changeset, ready to render."""
