# `convene serve` in a container. Build: docker build -t convene .
# Run:   docker run --env-file .env -p 3000:3000 convene
# TLS terminates at your reverse proxy; point it at port 3000. Set DATABASE_URL to PostgreSQL
# (or mount a volume for SQLite, e.g. -v convene-data:/data -e DATABASE_URL=sqlite:////data/convene.db).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY prompts ./prompts
# `convene demo` runs on the stand-ins; the product code never imports them.
COPY standins ./standins
RUN pip install --no-cache-dir . && useradd --system --home /data convene && mkdir -p /data \
    && chown convene /data
USER convene
WORKDIR /data

EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
# Migrations run on start too; `convene db upgrade` is there for a release step before it.
CMD ["convene", "serve", "--port", "3000"]
