# One image for every process: `docker run IMAGE worker`, `… email`, `… telegram`, `… llm-relay`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY channels ./channels
COPY cli ./cli
COPY evals ./evals
COPY prompts ./prompts
COPY web ./web
# No `embedded` extra: in a container the store is MONGODB_URI (the compose file's replica set).
RUN pip install . \
 && useradd --system --create-home --home-dir /home/agent --uid 10001 agent \
 && mkdir -p /data && chown agent /data

USER agent
WORKDIR /home/agent
ENV DATA_DIR=/data
ENTRYPOINT ["sales-agent"]
CMD ["--help"]
