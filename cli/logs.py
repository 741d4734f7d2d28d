"""One logging set-up for every long-running command (`run`, `worker`, `email`, `telegram`):
the same lines for the channels whichever command runs them, text or JSON lines, never a secret."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, SecretStr

# Loggers the operator sees at INFO: the channels (listening, one line per message in and out) and
# the shared sender loop; everything else at WARNING.
OPERATOR_LOGGERS = ("channels", "agent.sending", "agent.worker", "agent.scheduler")
MASK = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def secrets_of(*configs: BaseModel | None) -> list[str]:
    """Every SecretStr value of the given settings objects (passwords, tokens, the unsubscribe key)."""
    found: list[str] = []
    for config in configs:
        if config is None:
            continue
        for name in type(config).model_fields:
            value = getattr(config, name, None)
            if isinstance(value, SecretStr) and len(value.get_secret_value()) >= 4:
                found.append(value.get_secret_value())
    return sorted(set(found), key=len, reverse=True)


class Redact(logging.Filter):
    """Replaces any known secret in a record's rendered message (and exception text) with ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self.scrub(record.getMessage()), None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.scrub(record.exc_text)
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: ts, level, logger, message (and exc when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                                "level": record.levelname.lower(), "logger": record.name,
                                "message": record.getMessage()}
        if record.exc_text or record.exc_info:
            line["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(line, ensure_ascii=False)


def configure_logging(json_lines: bool = False, secrets: Iterable[str] = (), stream: Any = None) -> logging.Handler:
    """Replace the root handlers with one stderr handler; the operator loggers at INFO."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in OPERATOR_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    return handler
