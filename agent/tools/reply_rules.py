"""The rules every client-facing reply must pass (the guard node and the evals share them)."""

from __future__ import annotations

import re

from agent.understanding.language import language_of

WORD = re.compile(r"[\w'-]+", re.UNICODE)
URL_OR_EMAIL = re.compile(r"https?://\S+|\S+@\S+")
MONEY = re.compile(
    r"\d[\d\s.,]*\s*(?:₽|руб|р\.|тыс|млн|k\b|usd|eur|\$|€|долл|евро)|(?:₽|\$|€)\s*\d|\d+\s*%",
    re.IGNORECASE,
)
PROMISES = re.compile(r"скидк|бесплатн|гарантир|акци[яи]\b|\bfree\b|discount|guarantee", re.IGNORECASE)
LEAK_MARKERS = re.compile(r"system prompt|системн\w* промпт|json|\bintent\b|инструкци\w* для ассистент",
                          re.IGNORECASE)


def word_count(text: str) -> int:
    return len(WORD.findall(URL_OR_EMAIL.sub(" ", text)))


def violations(text: str, *, language: str, max_words: int, product_facts: str) -> list[str]:
    """Why `text` may not be sent; empty when it may."""
    found = []
    if (n := word_count(text)) > max_words:
        found.append(f"too long: {n} words > {max_words}")
    if language_of(text) != (language if language in ("ru", "en") else "ru"):
        found.append(f"not in the client's language ({language})")
    for match in MONEY.finditer(URL_OR_EMAIL.sub(" ", text)):
        if match.group(0).strip() not in product_facts:
            found.append(f"names a price or figure not in the product facts: {match.group(0).strip()!r}")
    for match in PROMISES.finditer(text):
        found.append(f"promises what the product facts do not: {match.group(0)!r}")
    if LEAK_MARKERS.search(text):
        found.append("looks like system-prompt text")
    return found
