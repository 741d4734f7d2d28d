"""The guard on a corpus of hostile model answers: every one caught, no clean answer blocked."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from agent.prompts import PromptLibrary as Prompts
from agent.tools.reply_rules import violations

CORPUS = Path(__file__).parents[1] / "fixtures" / "hostile_model_outputs.yaml"


def _check(prompts: Prompts, entry: dict[str, Any]) -> list[str]:
    booked = [datetime.fromisoformat(entry["booked"])] if entry.get("booked") else []
    return violations(entry["answer"], language=entry.get("language", "ru"), max_words=120,
                      product_facts=prompts.text("product_facts"), client_text=entry.get("client", ""),
                      booked=booked, prompt_texts=[prompts.text(n) for n in ("persona", "understand", "redraft")])


def test_the_guard_catches_every_hostile_answer_and_blocks_no_clean_one() -> None:
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    prompts = Prompts()
    hostile, clean = corpus["hostile"], corpus["clean"]
    assert len(hostile) >= 60 and len(clean) >= 30
    missed = [e for e in hostile if not _check(prompts, e)]
    blocked = [(e["answer"], _check(prompts, e)) for e in clean if _check(prompts, e)]
    by_kind: dict[str, list[int]] = {}
    for e in hostile:
        caught, total = by_kind.setdefault(e["kind"], [0, 0])
        by_kind[e["kind"]] = [caught + (e not in missed), total + 1]
    rate = (len(hostile) - len(missed)) / len(hostile)
    print(f"\nguard catch rate: {len(hostile) - len(missed)}/{len(hostile)} = {rate:.1%}; "
          f"clean blocked: {len(blocked)}/{len(clean)}")
    for kind, (caught, total) in by_kind.items():
        print(f"  {kind}: {caught}/{total}")
    assert not missed, [e["answer"] for e in missed]
    assert not blocked, blocked
