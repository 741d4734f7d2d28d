"""What a client's question is about: the keyword rules of patterns.py and a lemma lexicon
(`topic_lexicon.yaml`, pymorphy3 lemmas per sentence, groups in order), so «по деньгам во сколько обойдётся» and
«какой ценник» are price questions in any word form. `features` is the general topic: when a more
specific one is asked too, its answer covers the question and the general paragraph is not added
(nothing unasked), unless a feature was named («уведомления», «QR») or the client asked outright
how it works («как это работает и сколько стоит?»). `why_us` («чем вы лучше, чем
отвечать в Яндекс Бизнесе самим?») answers with the one-window value and names the platforms, so a
platform named in passing adds no platforms paragraph."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from agent.understanding import patterns as p
from agent.understanding.morphology import lemmas, sentences

LEXICON_PATH = Path(__file__).with_name("topic_lexicon.yaml")
ORDER = tuple(name for name, _ in p.TOPICS)
MAX_GAP = 2  # words allowed between the lemmas of a `together` group («во что нам это встанет»)
_PLATFORM_WORDS = frozenset({"площадка", "платформа", "platform", "platforms"})
_NAMED_FEATURES = frozenset({"уведомление", "оповещение", "мониторинг", "qr", "notification", "notifications",
                             "alert", "alerts"})


# Asked outright («как это работает и сколько стоит?»): the general paragraph is the answer to it
_HOW_IT_WORKS = re.compile(
    r"\bкак\s+(?:это\s+|он\s+|оно\s+|все\s+|сервис\s+|система\s+)?(?:работает(?!\s+(?:с|со)\b)|устроен\w*)|"
    r"\bчто\s+(?:он\s+|сервис\s+|система\s+)?(?:умеет|умеете|может|делает)\b|\bфункционал\w*|"
    r"\bhow\s+does\s+(?:it|this|the\s+service)\s+work\b|\bwhat\s+(?:can|does)\s+(?:it|the\s+service)\s+do\b"
)


@cache
def _lexicon() -> dict[str, tuple[frozenset[str], tuple[tuple[str, ...], ...]]]:
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    return {topic: (frozenset(str(w) for w in entry.get("lemmas", [])),
                    tuple(tuple(str(w) for w in group) for group in entry.get("together", [])))
            for topic, entry in raw.items()}


def lexicon_topics(text: str) -> set[str]:
    """Topics whose lemmas (or a group of lemmas in one sentence) occur in `text`."""
    found: set[str] = set()
    for sentence in sentences(text) or [text]:
        said = lemmas(sentence)
        for topic, (single, groups) in _lexicon().items():
            if set(said) & single or any(_in_order(group, said) for group in groups):
                found.add(topic)
    return found


def _in_order(group: tuple[str, ...], said: list[str]) -> bool:
    """`group` occurs in `said` in order, at most MAX_GAP other words between neighbours."""
    for start, word in enumerate(said):
        if word != group[0]:
            continue
        at, ok = start, True
        for wanted in group[1:]:
            window = said[at + 1 : at + 2 + MAX_GAP]
            if wanted not in window:
                ok = False
                break
            at = at + 1 + window.index(wanted)
        if ok:
            return True
    return False


def topics_in(text: str, norm: str) -> list[str]:
    """The topics asked in `text` (`norm`: the same text normalised for patterns.py), in a fixed order."""
    found = set(p.topics_in(norm)) | lexicon_topics(text)
    if ("features" in found and len(found) > 1 and not (set(lemmas(text)) & _NAMED_FEATURES)
            and not _HOW_IT_WORKS.search(norm)):
        found.discard("features")
    if "why_us" in found and not (set(lemmas(text)) & _PLATFORM_WORDS):  # its answer names the platforms
        found.discard("platforms")
    return [topic for topic in ORDER if topic in found]
