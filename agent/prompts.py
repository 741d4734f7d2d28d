"""Loads the prompt and reply-template files under `prompts/` (or `PROMPTS_DIR`). Loader only:
no client-facing text lives in Python."""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import prompts as _prompts_package

DEFAULT_DIR = Path(_prompts_package.__file__).parent


class PromptError(Exception):
    """A template is missing or asks for a variable the code does not give."""


class PromptLibrary:
    def __init__(self, directory: Path | None = None, product_facts: Path | None = None) -> None:
        self.directory = Path(directory) if directory else DEFAULT_DIR
        self.product_facts_path = Path(product_facts) if product_facts else self.directory / "product_facts.md"

    @cache  # noqa: B019 - a library lives as long as the process; templates are small
    def text(self, name: str) -> str:
        path = self.product_facts_path if name == "product_facts" else self.directory / f"{name}.md"
        if not path.exists() and name != "product_facts":
            path = DEFAULT_DIR / f"{name}.md"  # a custom directory may override only some files
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PromptError(f"prompt file {path} cannot be read: {exc}") from exc

    def render(self, name: str, **values: object) -> str:
        try:
            return string.Template(self.text(name)).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise PromptError(f"prompts/{name}.md uses ${exc.args[0]}, which the code does not provide") from exc
        except ValueError as exc:
            raise PromptError(f"prompts/{name}.md has a bad placeholder: {exc}") from exc

    def exists(self, name: str) -> bool:
        return (self.directory / f"{name}.md").exists() or (DEFAULT_DIR / f"{name}.md").exists()
