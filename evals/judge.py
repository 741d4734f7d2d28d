"""Optional LLM judge of reply quality (off by default; `sales-agent eval --judge`).

It runs only after the deterministic scores and never changes them: each reply the agent wrote to a
client message gets a typed `Verdict` from the model. Calls go through `StructuredLlm`, so they are
recorded and replayed like the agent's own (turn label ``judge-tNN``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from agent.llm import LlmError, StructuredLlm
from evals.recording import Tape
from evals.runner import DialogResult

JUDGE_SYSTEM = """You review replies written by an AI sales assistant for Napoleon IT Отзывы (a B2B
service for reviews of businesses with many locations). The assistant writes to leads in Russian
unless the client wrote in another language. It may state only what the product facts below say;
for anything else (price, discounts, deadlines, integrations not listed) it offers the presentation,
a demo call or a manager.

Judge ONE reply to the client's last message. Score 1-5: 5 = answers exactly what was asked,
correct, polite, concise, natural; 3 = acceptable but generic or slightly off; 1 = wrong, rude,
invents facts or ignores the client. List concrete problems (empty list if none).

Product facts:
{facts}"""


class Verdict(BaseModel):
    """The judge's typed answer for one reply."""

    score: int = Field(ge=1, le=5, description="overall quality, 1 (bad) to 5 (excellent)")
    answers_the_client: bool = Field(description="addresses what the client actually wrote")
    grounded: bool = Field(description="states nothing beyond the product facts")
    polite_and_natural: bool
    problems: list[str] = Field(default_factory=list, description="concrete problems, short")
    summary: str = Field(default="", description="one sentence")


@dataclass
class JudgeItem:
    dialog_id: str
    turn: int
    verdict: Verdict | None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"dialog_id": self.dialog_id, "turn": self.turn, "error": self.error,
                "verdict": self.verdict.model_dump() if self.verdict else None}


async def judge_replies(results: Iterable[DialogResult], llm: StructuredLlm, product_facts: str) -> list[JudgeItem]:
    """A verdict for every reply to a client message (one model call each)."""
    system = JUDGE_SYSTEM.format(facts=product_facts)
    items: list[JudgeItem] = []
    for result in results:
        for turn in result.turns:
            if turn.kind == "wait" or not turn.reply_texts or not turn.text:
                continue
            Tape.begin(result.id, f"judge-t{turn.index:02d}")
            prompt = f"Client's message:\n{turn.text}\n\nAssistant's reply:\n" + "\n\n".join(turn.reply_texts)
            try:
                verdict, _usage = await llm.ask(system, [("user", prompt)], Verdict)
            except LlmError as exc:
                items.append(JudgeItem(result.id, turn.index, None, str(exc)))
                continue
            items.append(JudgeItem(result.id, turn.index, verdict))
    return items


def judge_summary(items: list[JudgeItem]) -> dict[str, Any]:
    scored = [i.verdict for i in items if i.verdict is not None]
    return {
        "replies": len(items),
        "judged": len(scored),
        "errors": sum(1 for i in items if i.error),
        "mean_score": round(sum(v.score for v in scored) / len(scored), 3) if scored else None,
        "not_grounded": sum(1 for v in scored if not v.grounded),
        "not_answering": sum(1 for v in scored if not v.answers_the_client),
        "items": [i.as_dict() for i in items],
    }
