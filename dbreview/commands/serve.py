"""`dbreview serve`: the GitHub App's webhook service (settings from the environment)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dbreview.errors import UsageError


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"'{value}' is not a TCP port (0-65535)")
    return int(value)


def register(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="run the GitHub App webhook service",
        description="Serve the GitHub App: POST /webhook, GET /healthz, /readyz, /metrics. "
        "Settings come from DBREVIEW_* environment variables (or ./.env): "
        "DBREVIEW_APP_ID, DBREVIEW_PRIVATE_KEY or DBREVIEW_PRIVATE_KEY_FILE, and "
        "DBREVIEW_WEBHOOK_SECRET are required; see docs/deployment.md.",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; 0.0.0.0 in a container)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    serve.set_defaults(run=run)


def run(options: argparse.Namespace) -> int:
    # imported here: the settings bring pydantic-settings and cryptography, which every other
    # command's start-up would pay for
    from dbreview.settings import load_settings

    settings = load_settings()  # ConfigError: one line naming the variable, exit 2

    import uvicorn

    from dbreview.web.app import create_app
    from dbreview.web.logging import configure_logging

    configure_logging(settings.log_level)
    # Reviews compute in worker threads; the event loop answering webhooks gets the GIL back
    # within a millisecond instead of the default five.
    sys.setswitchinterval(0.001)
    try:
        uvicorn.run(create_app(settings), host=options.host, port=options.port,
                    log_config=None, access_log=False, server_header=False)
    except OSError as error:  # the port is taken, or the address is not ours
        raise UsageError(f"cannot listen on {options.host}:{options.port} "
                         f"({error.strerror}); choose another --host or --port") from None
    return 0
