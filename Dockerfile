# syntax=docker/dockerfile:1
# dbreview's GitHub App: `dbreview serve` on port 8000, as a non-root user.
#   docker build -t dbreview .
#   docker run -p 8000:8000 -e DBREVIEW_APP_ID=... -e DBREVIEW_WEBHOOK_SECRET=... \
#     -e DBREVIEW_PRIVATE_KEY_FILE=/run/secrets/app.pem -v "$PWD/app.pem:/run/secrets/app.pem:ro" dbreview
# See docs/deployment.md.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY dbreview ./dbreview
COPY prompts ./prompts
# Wheels for dbreview and every dependency, so the final stage needs no compiler and no cache.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --uid 10001 --create-home --home-dir /home/dbreview dbreview
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels dbreview
USER 10001
WORKDIR /home/dbreview
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["dbreview"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
