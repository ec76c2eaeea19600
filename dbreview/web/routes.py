"""The service's endpoints (review.md, "Running the service"):

    POST /webhook   202 verified and queued · 200 ping, duplicate or nothing to do
                    401 bad or missing signature · 400 malformed body or missing headers
                    413 body too large · 503 queue full (GitHub shows the failed delivery)
    GET  /healthz   the process is alive
    GET  /readyz    settings valid and the worker running
    GET  /metrics   Prometheus text
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dbreview.github.context import AppContext
from dbreview.github.events import Delivery, MalformedPayload, route
from dbreview.settings import Settings
from dbreview.web.intake import BodyTooLarge, read_body, signature_matches
from dbreview.web.worker import Accepted, DeliveryLog, WorkQueue

logger = logging.getLogger("dbreview.web")
router = APIRouter()


@dataclass(slots=True)
class Service:
    settings: Settings
    ctx: AppContext
    queue: WorkQueue
    deliveries: DeliveryLog

    @property
    def secret(self) -> bytes:
        return self.settings.webhook_secret.get_secret_value().encode()


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(_service)]


def _answer(code: int, **content: Any) -> JSONResponse:
    return JSONResponse(content, status_code=code)


@router.post("/webhook")
async def webhook(request: Request, service: ServiceDep) -> JSONResponse:
    count = service.ctx.metrics.deliveries
    try:
        body = await read_body(request, service.settings.max_body_bytes)
    except BodyTooLarge:
        count.labels(event="-", outcome="rejected").inc()
        return _answer(413, error=f"body larger than {service.settings.max_body_bytes} bytes")
    if not signature_matches(service.secret, body,
                             request.headers.get("x-hub-signature-256")):
        count.labels(event="-", outcome="rejected").inc()
        return _answer(401, error="X-Hub-Signature-256 missing or not valid for this body")
    event = request.headers.get("x-github-event")
    delivery_id = request.headers.get("x-github-delivery")
    if not event or not delivery_id:
        count.labels(event="-", outcome="rejected").inc()
        return _answer(400, error="X-GitHub-Event and X-GitHub-Delivery headers are required")
    payload = _json_object(body)
    if payload is None:
        count.labels(event=event, outcome="rejected").inc()
        return _answer(400, error="the body is not a JSON object")
    if event == "ping":
        count.labels(event=event, outcome="ping").inc()
        return _answer(200, status="pong")
    if service.deliveries.seen(delivery_id):
        count.labels(event=event, outcome="duplicate").inc()
        return _answer(200, status="duplicate")
    try:
        job = route(Delivery(delivery_id, event, payload), service.settings.app_id)
    except MalformedPayload as error:
        count.labels(event=event, outcome="rejected").inc()
        return _answer(400, error=str(error))
    if job is None:
        service.deliveries.remember(delivery_id)
        count.labels(event=event, outcome="ignored").inc()
        return _answer(200, status="ignored")
    accepted = service.queue.submit(job)
    if accepted is Accepted.FULL:
        count.labels(event=event, outcome="busy").inc()
        logger.warning("queue full: delivery refused", extra={"delivery": delivery_id})
        return JSONResponse({"error": "too many deliveries waiting; redeliver later"},
                            status_code=503, headers={"Retry-After": "60"})
    # Remembered only once accepted: after a 503, GitHub's redelivery must get through.
    service.deliveries.remember(delivery_id)
    count.labels(event=event, outcome=accepted.value).inc()
    return _answer(202, status=accepted.value)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(service: ServiceDep) -> JSONResponse:
    if service.queue.running:
        return _answer(200, status="ready")
    return _answer(503, status="worker not running")


@router.get("/metrics")
async def metrics(service: ServiceDep) -> Response:
    return Response(generate_latest(service.ctx.metrics.registry),
                    media_type=CONTENT_TYPE_LATEST)
