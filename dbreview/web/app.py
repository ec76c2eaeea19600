"""The FastAPI application: `create_app(settings)` builds the GitHub client and starts the
worker in its lifespan; tests pass their own settings (and a retry policy that does not
really sleep)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dbreview import __version__
from dbreview.github.client import GitHubApp
from dbreview.github.context import AppContext
from dbreview.github.metrics import Metrics
from dbreview.github.retry import RetryPolicy
from dbreview.settings import Settings
from dbreview.web.routes import Service, router
from dbreview.web.worker import DeliveryLog, WorkQueue


def create_app(settings: Settings, *, retry: RetryPolicy | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics = Metrics()
        policy = retry or RetryPolicy(attempts=settings.retry_attempts,
                                      max_wait=settings.retry_max_wait)
        policy = dataclasses.replace(policy, on_error=metrics.github_error)
        shadow = settings.shadow_dsn.get_secret_value() if settings.shadow_dsn else None
        ctx = AppContext(app=GitHubApp.from_settings(settings, policy), metrics=metrics,
                         docs_url=settings.docs_url, shadow_dsn=shadow)
        queue = WorkQueue(ctx, workers=settings.workers, size=settings.queue_size)
        queue.start()
        app.state.service = Service(settings, ctx, queue, DeliveryLog())
        try:
            yield
        finally:
            await queue.stop()

    app = FastAPI(title="dbreview", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    return app
