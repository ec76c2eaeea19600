"""The webhook service (`dbreview serve`): FastAPI app, routes, worker queue, JSON logs."""
