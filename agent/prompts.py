"""Loads the prompt and reply-template files under `prompts/` (or `PROMPTS_DIR`). Loader only:
no client-facing text lives in Python.

One loader for every language: Russian templates are `prompts/<name>.md`; a template in another
language is `prompts/<lang>/<name>.md` (e.g. `prompts/en/present.md`). `render(name, lang="en")`
takes the English one when it exists and the Russian one otherwise (team notes are Russian only).
`words(lang)` reads `words.md`: the calendar words and the few fixed words the code fills in.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

import prompts as _prompts_package

DEFAULT_DIR = Path(_prompts_package.__file__).parent
DEFAULT_LANGUAGE = "ru"


class PromptError(Exception):
    """A template is missing or asks for a variable the code does not give."""


class PromptLibrary:
    def __init__(self, directory: Path | None = None, product_facts: Path | None = None) -> None:
        self.directory = Path(directory) if directory else DEFAULT_DIR
        self.product_facts_path = Path(product_facts) if product_facts else self.directory / "product_facts.md"

    def _path(self, name: str, lang: str) -> Path | None:
        """The file for `name` in `lang`: the custom directory first, then the shipped one."""
        relative = f"{name}.md" if lang == DEFAULT_LANGUAGE else f"{lang}/{name}.md"
        for base in (self.directory, DEFAULT_DIR):
            if (base / relative).exists():
                return base / relative
        return None

    @cache  # noqa: B019 - a library lives as long as the process; templates are small
    def text(self, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
        if name == "product_facts":
            path: Path | None = self.product_facts_path
        else:
            path = self._path(name, lang) if lang != DEFAULT_LANGUAGE else None
            path = path or self._path(name, DEFAULT_LANGUAGE) or self.directory / f"{name}.md"
        assert path is not None
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PromptError(f"prompt file {path} cannot be read: {exc}") from exc

    def render(self, name: str, /, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
        try:
            return string.Template(self.text(name, lang)).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise PromptError(f"prompts/{name}.md ({lang}) uses ${exc.args[0]}, which the code does not provide") from exc
        except ValueError as exc:
            raise PromptError(f"prompts/{name}.md ({lang}) has a bad placeholder: {exc}") from exc

    def exists(self, name: str, lang: str = DEFAULT_LANGUAGE) -> bool:
        return self._path(name, lang) is not None

    @cache  # noqa: B019
    def words(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
        """`words.md` as `key: value` lines (HTML comments and blank lines skipped)."""
        found: dict[str, str] = {}
        for line in re.sub(r"<!--.*?-->", "", self.text("words", lang), flags=re.DOTALL).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().isidentifier():
                found[key.strip()] = value.strip()
        return found
