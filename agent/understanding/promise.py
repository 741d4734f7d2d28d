"""A promise to reply: «Посмотрю и отпишусь», «Изучу, вернусь с ответом», «I'll get back to you».

Such a message asks nothing and refuses nothing: the client will write again. It deserves a short
human answer and the usual cadence (a nudge if the promise is forgotten), not a hand-off to a
person and not another pitch. Read through pymorphy3: a first-person future of a verb of looking,
thinking or writing back, not negated.
"""

from __future__ import annotations

import re

from agent.understanding.morphology import normalize, parse, tokens

# Verbs whose first-person future promises a later answer («посмотрю», «обсудим», «дам знать»).
PROMISE_LEMMAS = frozenset([
    "посмотреть", "глянуть", "просмотреть", "изучить", "почитать", "прочитать", "ознакомиться", "подумать",
    "обдумать", "обсудить", "ответить", "написать", "отписать", "отписаться", "вернуться", "связаться",
    "сообщить", "дать", "перезвонить", "посоветоваться", "отозваться",
])
_NEGATORS = frozenset({"не", "ни"})
_ENGLISH = re.compile(
    r"\b(?:i'll|i will|we'll|we will|will)\s+(?:\w+\s+)?(?:get back|come back|revert|let you know|be in touch|"
    r"review|look|take a look|have a look|check|read|think|discuss|reply|respond|write back|circle back|"
    r"follow up)|\blet me (?:review|check|look|think|discuss|read)\b|\bget back to you\b|\bcircle back\b"
)
_MAX_WORDS = 30


def promises_reply(text: str) -> bool:
    """True when the message promises a later answer and asks nothing (no «?»)."""
    norm = normalize(text)
    if not norm or "?" in norm:
        return False
    words = tokens(norm)
    if not words or len(words) > _MAX_WORDS:
        return False
    if _ENGLISH.search(norm):
        return True
    previous = ""
    for token in words:
        word = parse(token)
        if (word.lemma in PROMISE_LEMMAS and word.person == "1per" and word.tense == "futr"
                and previous not in _NEGATORS):
            return True
        previous = token
    return False
