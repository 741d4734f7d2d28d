"""How consistent are the phrase bank's labels? A second annotator labelled 500 random train-split
messages blind (text only, the conventions of ../shared/DIALOGS.md and evals/phrases/RELABELS.md);
this compares those labels with the bank's. It bounds what any reader can score on this bank.

    python -m evals.label_agreement
"""

from __future__ import annotations

import json
from collections import Counter

from evals.phrase_bank import PHRASES_DIR, load, normalize_key

BLIND_FILE = PHRASES_DIR / "agreement" / "blind_500.jsonl"


def _pairs() -> list[tuple[str, dict[str, str | bool]]]:
    """(the bank's label, the blind row) for every blind message still in the bank."""
    bank = {normalize_key(p.text): p.intent for p in load()}
    rows = [json.loads(line) for line in BLIND_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(bank[key], row) for row in rows if (key := normalize_key(row["text"])) in bank]


def agreement() -> dict[str, float | int]:
    """Share of the blind labels equal to the bank's label (also counting the annotator's second
    choice, and on the messages the annotator was sure of)."""
    pairs = _pairs()
    same = [label == row["blind"] for label, row in pairs]
    second = [s or label == row.get("alt") for (label, row), s in zip(pairs, same, strict=True)]
    sure = [s for (_, row), s in zip(pairs, same, strict=True) if row["sure"]]
    return {
        "n": len(pairs),
        "same_label": round(sum(same) / len(pairs), 4),
        "same_or_second_choice": round(sum(second) / len(pairs), 4),
        "sure": len(sure),
        "same_label_when_sure": round(sum(sure) / len(sure), 4),
    }


def disagreements() -> Counter[tuple[str, str]]:
    return Counter((label, str(row["blind"])) for label, row in _pairs() if label != row["blind"])


def main() -> None:
    print(json.dumps(agreement(), indent=1))
    print("bank label → blind label:", ", ".join(f"{a}→{b} {n}" for (a, b), n in disagreements().most_common()))


if __name__ == "__main__":
    main()
