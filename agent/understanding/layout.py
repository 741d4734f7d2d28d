"""Text typed with the keyboard in the wrong layout: «cnjg» is «стоп» on a Russian keyboard left
in English mode. Only the stop reading uses this, as a second reading of an all-Latin message."""

from __future__ import annotations

import re

from agent.understanding.morphology import normalize, words

_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
_TABLE = str.maketrans(
    _EN + "".join(c.upper() for c in _EN if c.isalpha()),
    _RU + "".join(r.upper() for c, r in zip(_EN, _RU, strict=True) if c.isalpha()),
)
# a run of keys that are letters on the Russian layout; a trailing «,» or «.» stays punctuation
_TOKEN = re.compile(r"[a-z\[\];',.`]*[a-z\[\];'`]", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
KNOWN_SHARE = 0.6


def as_russian_layout(text: str) -> str | None:
    """The text as it would read on the Russian layout, when that reading is Russian: a message
    with Latin letters and no Cyrillic ones whose decoded words of 3+ letters are mostly in the
    Russian dictionary (English decodes to non-words: «month» → «ьщтер»). None otherwise."""
    if _CYRILLIC.search(text) or not _LATIN.search(text):
        return None
    decoded = _TOKEN.sub(lambda m: m.group(0).translate(_TABLE), text)
    long_words = [w for w in words(normalize(decoded)) if len(w.text) >= 3 and w.text.isalpha()]
    if not long_words or sum(w.known for w in long_words) < KNOWN_SHARE * len(long_words):
        return None
    return decoded
