"""The rules every client-facing reply must pass (the guard node uses them; the evals use the
language, length and leak rules, and check invented figures with their own, separate checker)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from agent.tools.figures import ungrounded
from agent.understanding.language import language_of

WORD = re.compile(r"[\w'-]+", re.UNICODE)
URL_OR_EMAIL = re.compile(r"https?://\S+|\S+@\S+")
PROMISES = re.compile(r"скидк|бесплатн|гарантир|акци[яи]\b|\bfree\b|discount|guarantee|\bпромокод|\bбонус",
                      re.IGNORECASE)
# what a paraphrase of the prompts gives away, whatever its wording
LEAK_MARKERS = re.compile(
    r"system prompt|\bprompt\b|промпт|системн\w* (?:промпт|сообщени|инструкц|настро)|\bjson\b|\bintent\b"
    r"|demo_time_text|pause_text|инструкци|указани[яйем]\w* (?:для|от|мне)|мне (?:не )?(?:запрещено|нельзя|"
    r"разрешено|велено|поручено|сказано|приказано|предписано)|я не (?:имею права|должен|должна) (?:называть|"
    r"обещать|говорить|раскрывать)|(?:мои|моим|моих) (?:правила|настройки|указания|инструкции)"
    r"|(?:правила|настройки) (?:запрещают|не позволяют|не разрешают)|языков\w* модел|as an ai\b"
    r"|language model|my (?:instructions|rules|guidelines|system)|i(?:'m| am) (?:not allowed|instructed|"
    r"told|programmed)|i was (?:told|instructed|programmed)|меня (?:запрограммировали|настроили|проинструктировали)"
    r"|(?:верни|вернуть|возвращаю) (?:только )?json|схем[аеуы] (?:ответа|json)|текст клиента — данные|\bты\s*—?\s*(?:ии-)?ассистент",
    re.IGNORECASE)
LEAK_RUN = 6  # this many consecutive normalised words shared with a prompt is a leak


def word_count(text: str) -> int:
    return len(WORD.findall(URL_OR_EMAIL.sub(" ", text)))


def _norm_words(text: str) -> list[str]:
    text = re.sub(r"\$\w+", " ", text.lower().replace("ё", "е"))
    return re.findall(r"[a-zа-я0-9]+", text)


def shingles(text: str, n: int = LEAK_RUN) -> set[tuple[str, ...]]:
    words = _norm_words(text)
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def leaks(text: str, prompt_texts: Iterable[str], n: int = LEAK_RUN) -> bool:
    """Whether `text` shares `n` consecutive normalised words with any of the prompts."""
    mine = shingles(text, n)
    return any(mine & shingles(prompt, n) for prompt in prompt_texts) if mine else False


def invented_figures(text: str, *, product_facts: str, client_text: str = "",
                     booked: Iterable[datetime | None] = ()) -> list[str]:
    """The figures of `text` that neither the facts, the client's words nor the booking state."""
    return [f.text for f in ungrounded(text, [product_facts, client_text], booked)]


def violations(text: str, *, language: str, max_words: int, product_facts: str, client_text: str = "",
               booked: Iterable[datetime | None] = (), prompt_texts: Iterable[str] = (),
               check_figures: bool = True, figures_text: str | None = None) -> list[str]:
    """Why `text` may not be sent; empty when it may. Figures are checked in `figures_text` (the
    model-written part of a reply) when given, else in the whole text."""
    found = []
    if (n := word_count(text)) > max_words:
        found.append(f"too long: {n} words > {max_words}")
    if language_of(text) != (language if language in ("ru", "en") else "ru"):
        found.append(f"not in the client's language ({language})")
    checked = text if figures_text is None else figures_text
    if check_figures:
        for figure in invented_figures(checked, product_facts=product_facts, client_text=client_text,
                                       booked=booked):
            found.append(f"names a price or figure not in the product facts, the client's words or the booking: "
                         f"{figure!r}")
        for match in PROMISES.finditer(checked):
            found.append(f"promises what the product facts do not: {match.group(0)!r}")
    if LEAK_MARKERS.search(checked) or leaks(checked, prompt_texts):
        found.append("looks like system-prompt text")
    return found
