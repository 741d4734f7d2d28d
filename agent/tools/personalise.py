"""Small personalisation from contact fields, without a model. The phrases live in
prompts/industry_hints.md (regex => phrase, one rule a line)."""

from __future__ import annotations

import re

from agent.prompts import PromptLibrary


def industry_rules(prompts: PromptLibrary) -> list[tuple[re.Pattern[str], str]]:
    rules = []
    for line in prompts.text("industry_hints").splitlines():
        if "=>" in line and not line.lstrip().startswith("<!--"):
            pattern, phrase = (part.strip() for part in line.split("=>", 1))
            rules.append((re.compile(pattern, re.IGNORECASE), phrase))
    return rules


def industry_hint(prompts: PromptLibrary, company: str | None) -> str:
    """A phrase like 'у сети клиник' guessed from the company name, or '' when unsure."""
    name = company or ""
    return next((phrase for pattern, phrase in industry_rules(prompts) if pattern.search(name)), "")
