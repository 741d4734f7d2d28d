"""Russian text tools from real libraries: razdel (sentences, tokens), pymorphy3 (lemmas, verb forms)
and rapidfuzz (typo tolerance against a lexicon). «ё» is folded to «е» everywhere.

The `MorphAnalyzer` loads its dictionaries (about 15 MB) on first use, never at import.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from razdel import sentenize, tokenize

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

_WORD = re.compile(r"[a-zа-я0-9]", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-я]")
_LOCK = threading.Lock()
_ANALYZER: MorphAnalyzer | None = None


def normalize(text: str) -> str:
    """NFC, lower case, «ё» → «е», typographic apostrophes → ', spaces collapsed."""
    text = unicodedata.normalize("NFC", text).lower().replace("ё", "е").replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


def analyzer() -> MorphAnalyzer:
    """The shared pymorphy3 analyzer, created once on first use (thread-safe)."""
    global _ANALYZER
    if _ANALYZER is None:
        with _LOCK:
            if _ANALYZER is None:
                from pymorphy3 import MorphAnalyzer

                _ANALYZER = MorphAnalyzer(lang="ru")
    return _ANALYZER


def sentences(text: str) -> list[str]:
    """Sentences of a text (razdel), stripped, empty ones dropped."""
    return [s.text.strip() for s in sentenize(text) if s.text.strip()]


def tokens(text: str) -> list[str]:
    """Word tokens of a normalised text (razdel): punctuation dropped, «ё» folded."""
    return [t.text for t in tokenize(normalize(text)) if _WORD.search(t.text)]


@dataclass(frozen=True)
class Word:
    """One token with its most likely analysis."""

    text: str
    lemma: str
    pos: str | None = None
    person: str | None = None
    tense: str | None = None
    mood: str | None = None
    known: bool = True


@lru_cache(maxsize=65536)
def parse(token: str) -> Word:
    """The most likely analysis of one (normalised) token; Latin and digits pass through."""
    if not _CYRILLIC.search(token):
        return Word(token, token, known=len(token) < 5 or not token.isalpha())
    morph = analyzer()
    best = morph.parse(token)[0]
    tag = best.tag
    return Word(
        token,
        best.normal_form.replace("ё", "е"),
        tag.POS,
        tag.person,
        tag.tense,
        tag.mood,
        morph.word_is_known(token),
    )


@lru_cache(maxsize=65536)
def as_imperative(token: str) -> Word | None:
    """The imperative reading of a token whose most likely analysis is something else («удали»:
    the noun «удаль» first, the command «удалить» second), or None."""
    if not _CYRILLIC.search(token):
        return None
    for option in analyzer().parse(token)[1:]:
        if option.tag.mood == "impr":
            tag = option.tag
            return Word(token, option.normal_form.replace("ё", "е"), tag.POS, tag.person, tag.tense, tag.mood)
    return None


def words(text: str) -> list[Word]:
    """The analysed tokens of a text."""
    return [parse(t) for t in tokens(text)]


def lemmas(text: str) -> list[str]:
    """Lemmas of the words of a text, in order."""
    return [w.lemma for w in words(text)]


def lemma(token: str) -> str:
    """The lemma of one word."""
    return parse(normalize(token)).lemma


def fuzzy_lookup(word: Word, lexicon: Iterable[str], cutoff: float = 80.0) -> str | None:
    """The lexicon lemma this word stands for: exact, or (for an unknown word of 5+ letters, i.e. a
    likely typo) the closest lemma or surface form with a similarity ≥ cutoff."""
    lex = lexicon if isinstance(lexicon, (set, frozenset)) else frozenset(lexicon)
    if word.lemma in lex:
        return word.lemma
    if word.text in lex:
        return word.text
    if word.known or len(word.text) < 5:
        return None
    if not _CYRILLIC.search(word.text):
        cutoff = max(cutoff, 85.0)  # Latin words are never "known": be stricter with them
    return _closest(word.lemma, word.text, tuple(sorted(lex)), cutoff)


@lru_cache(maxsize=16384)
def _closest(lemma_: str, text: str, lexicon: tuple[str, ...], cutoff: float) -> str | None:
    best = None
    for candidate in (lemma_, text):
        found = process.extractOne(candidate, lexicon, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found and (best is None or found[1] > best[1]):
            best = found
    return best[0] if best else None
