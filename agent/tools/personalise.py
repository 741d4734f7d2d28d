"""Small personalisation from contact fields, without a model. The phrases live in
prompts/industry_hints.md (word stems => phrase) and prompts/company_forms.md (how a name that
starts with a legal form or a category word reads after «о точках …»); one rule a line."""

from __future__ import annotations

import re

from agent.prompts import PromptLibrary

WORD_START = r"(?<![\w-])"  # a stem must start a word (or a part after a hyphen is its own word: no)


def rule_lines(prompts: PromptLibrary, name: str) -> list[tuple[str, str]]:
    """`left => right` pairs of a rules file, skipping the <!-- comment --> block."""
    text = re.sub(r"<!--.*?-->", "", prompts.text(name), flags=re.DOTALL)
    return [(left.strip(), right.strip()) for left, _, right in
            (line.partition("=>") for line in text.splitlines() if "=>" in line)]


def industry_rules(prompts: PromptLibrary) -> list[tuple[re.Pattern[str], str]]:
    """Each rule's stems, matched at the start of a word (so every form of the word is caught)."""
    return [(re.compile(f"{WORD_START}(?:{stems})", re.IGNORECASE), phrase)
            for stems, phrase in rule_lines(prompts, "industry_hints")]


def industry_hint(prompts: PromptLibrary, company: str | None) -> str:
    """A phrase like 'у сети клиник' guessed from the company name, or '' when unsure."""
    name = (company or "").replace("ё", "е").replace("Ё", "Е")
    return next((phrase for pattern, phrase in industry_rules(prompts) if pattern.search(name)), "")


ANY_NAME, NO_NAME = "*", "-"


def company_of(prompts: PromptLibrary, company: str | None) -> str:
    """What follows «о точках …»: «сети кофеен «Бриз»», «ООО «Ромашка»», or «компании «Бриз»»."""
    rules = dict(rule_lines(prompts, "company_forms"))
    name = " ".join((company or "").split())
    if not name:
        return rules.get(NO_NAME, "")
    for lead, form in sorted(rules.items(), key=lambda rule: -len(rule[0])):
        if lead in (ANY_NAME, NO_NAME):
            continue
        match = re.match(rf"{re.escape(lead)}(?=[\s«\"'(]|$)", name, re.IGNORECASE)
        if match:
            rest = name[match.end():].strip()
            return f"{form} {rest}".strip()
    return f"{rules.get(ANY_NAME, '')} {name}".strip()
