"""The phrase bank (`evals/phrases/*.jsonl`): labelled client messages and their fixed split.

The split is decided by a hash of the normalised text alone, so it never depends on file order,
on the labels or on any model: about a quarter of the bank is held out. `heldout_fresh.jsonl`,
written in another voice, is always held out.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PHRASES_DIR = Path(__file__).resolve().parent / "phrases"
FRESH_FILE = "heldout_fresh.jsonl"
HELDOUT_PERCENT = 25

Split = Literal["train", "heldout", "fresh"]


@dataclass(frozen=True)
class Phrase:
    """One labelled client message."""

    text: str
    intent: str
    lang: str
    tags: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""

    @property
    def split(self) -> Split:
        if self.source == FRESH_FILE:
            return "fresh"
        return "heldout" if is_heldout(self.text) else "train"


def normalize_key(text: str) -> str:
    """The identity of a message for duplicates and for the split: case, «ё» and spacing folded."""
    text = unicodedata.normalize("NFC", text).lower().replace("ё", "е")
    return re.sub(r"\s+", " ", text).strip()


def is_heldout(text: str) -> bool:
    """True for about HELDOUT_PERCENT % of texts, by a stable hash of the normalised text."""
    digest = hashlib.sha256(normalize_key(text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < HELDOUT_PERCENT


def _read(path: Path) -> list[Phrase]:
    rows: list[Phrase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            rows.append(Phrase(data["text"], data["intent"], data["lang"], tuple(data.get("tags", ())), path.name))
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{path.name}:{number}: {exc}") from exc
    return rows


def load(directory: Path = PHRASES_DIR, *, fresh: bool = True) -> list[Phrase]:
    """Every phrase of the bank, in file order (the fresh file last, unless `fresh=False`)."""
    files = sorted(p for p in directory.glob("*.jsonl") if p.name != FRESH_FILE)
    if fresh and (directory / FRESH_FILE).exists():
        files.append(directory / FRESH_FILE)
    return [phrase for path in files for phrase in _read(path)]


def select(phrases: Iterable[Phrase], *splits: Split) -> list[Phrase]:
    """The phrases in any of the given splits."""
    return [p for p in phrases if p.split in splits]


def bank_hash(directory: Path = PHRASES_DIR) -> str:
    """sha256 of the training data (text and label of every train-split phrase, sorted)."""
    lines = sorted(f"{p.intent}\t{normalize_key(p.text)}" for p in select(load(directory), "train"))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
