"""The one language detector: Russian or English, by letters, for the rules, the guard and the eval.

Addresses, links, @handles and /commands are not counted (an English address in a Russian reply
is still Russian). With fewer than `min_letters` letters the text says nothing and `fallback`
stands (a «ок» keeps the conversation's language).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.understanding.entities import EMAIL_RE, TG_HANDLE_RE, TG_LINK_RE

_NOT_WORDS = (re.compile(r"https?://\S+"), EMAIL_RE, TG_LINK_RE, TG_HANDLE_RE, re.compile(r"\S+@\S+"),
              re.compile(r"^\s*/\w+(?:@\w+)?"))
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def language_of(text: str, fallback: str = "ru", min_letters: int = 1) -> str:
    """"en" when Latin letters outnumber Cyrillic ones, else "ru"; `fallback` when too few letters."""
    for pattern in _NOT_WORDS:
        text = pattern.sub(" ", text)
    cyrillic, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if cyrillic + latin < max(min_letters, 1):
        return fallback
    return "en" if latin > cyrillic else "ru"


LANGUAGES = ("ru", "en")  # the languages the templates are written in (prompts/, prompts/en/)
CONVERSATION_MIN_LETTERS = 8  # a shorter message («ok», «да») keeps the conversation's language


def conversation_language(texts: Iterable[str], fallback: str = "ru") -> str:
    """The language to answer in: that of the latest client text with enough letters, oldest first
    in `texts`; `fallback` until one has them."""
    language = fallback
    for text in texts:
        language = language_of(text, fallback=language, min_letters=CONVERSATION_MIN_LETTERS)
    return language
