"""Settings for display: every secret masked (SecretStr values and anything named like a secret)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, SecretStr

SECRET_NAME = re.compile(r"secret|password|token|api_key|uri|dsn", re.IGNORECASE)
MASK = "••••••••"


def masked(value: Any, name: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, SecretStr) or SECRET_NAME.search(name):
        return f"{MASK} (set)"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def settings_rows(model: BaseModel) -> list[tuple[str, str]]:
    """(ENV NAME, shown value) for every field of a settings model."""
    return [(name.upper(), masked(getattr(model, name), name)) for name in type(model).model_fields]
