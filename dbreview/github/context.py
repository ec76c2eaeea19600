"""What every job shares: the App's client, the metrics, the deployment's choices."""

from __future__ import annotations

from dataclasses import dataclass

from dbreview.github.client import GitHubApp
from dbreview.github.metrics import Metrics


@dataclass(slots=True)
class AppContext:
    app: GitHubApp
    metrics: Metrics
    docs_url: str | None = None  # where the rule pages are, for links in the comment
    shadow_dsn: str | None = None  # a scratch PostgreSQL server the migrations are applied to
