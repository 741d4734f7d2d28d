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


def agreement() -> dict[str, float | int]:
    """Share of the blind labels equal to the bank's label (also counting the annotator's second
    choice, and on the messages the annotator was sure of)."""
    bank = {normalize_key(p.text): p.intent for p in load()}
    rows = [json.loads(line) for line in BLIND_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if normalize_key(r["text"]) in bank]
    same = [bank[normalize_key(r["text"])] == r["blind"] for r in rows]
    second = [s or bank[normalize_key(r["text"])] == r.get("alt") for r, s in zip(rows, same, strict=True)]
    sure = [s for r, s in zip(rows, same, strict=True) if r["sure"]]
    return {
        "n": len(rows),
        "same_label": round(sum(same) / len(rows), 4),
        "same_or_second_choice": round(sum(second) / len(rows), 4),
        "sure": len(sure),
        "same_label_when_sure": round(sum(sure) / len(sure), 4),
    }


def disagreements() -> Counter[tuple[str, str]]:
    bank = {normalize_key(p.text): p.intent for p in load()}
    rows = [json.loads(line) for line in BLIND_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return Counter((bank[k], r["blind"]) for r in rows if (k := normalize_key(r["text"])) in bank and bank[k] != r["blind"])


def main() -> None:
    print(json.dumps(agreement(), indent=1))
    print("bank label → blind label:", ", ".join(f"{a}→{b} {n}" for (a, b), n in disagreements().most_common()))


if __name__ == "__main__":
    main()
