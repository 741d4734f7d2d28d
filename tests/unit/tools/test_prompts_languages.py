"""Every client-facing template has an English twin that asks for the same variables, and the one
loader picks it by language; English dates come from prompts/en/words.md."""

from __future__ import annotations

import string
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent.prompts import DEFAULT_DIR, PromptLibrary
from agent.tools.calendar import format_date, format_slot, format_when
from agent.tools.reply_rules import violations
from agent.understanding.language import conversation_language, language_of

PROMPTS = PromptLibrary()
# Not said to a client: the model's instructions, the team's notes, the editors' rules.
NOT_CLIENT_FACING = {"README", "telegram/README", "product_facts", "persona", "understand", "redraft",
                     "company_forms", "industry_hints", "handoff_team", "opted_out_wrote_again", "demo_team",
                     "demo_team_moved", "demo_team_cancelled", "demo_team_declined", "draft_team", "possible_opt_out_team", "question_team", "redirect_team", "refer_call_team",
                     "words"}
RUSSIAN = sorted(str(p.relative_to(DEFAULT_DIR).with_suffix("")) for p in DEFAULT_DIR.rglob("*.md")
                 if p.relative_to(DEFAULT_DIR).parts[0] != "en")
CLIENT_FACING = [name for name in RUSSIAN if name not in NOT_CLIENT_FACING]


def variables(text: str) -> set[str]:
    return {m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(text)
            if m.group("named") or m.group("braced")}


def test_the_client_facing_list_is_not_empty() -> None:
    assert len(CLIENT_FACING) >= 50 and "handoff_client" in CLIENT_FACING and "answers/price" in CLIENT_FACING


@pytest.mark.parametrize("name", CLIENT_FACING)
def test_every_client_facing_template_has_an_english_twin(name: str) -> None:
    english = DEFAULT_DIR / "en" / f"{name}.md"
    assert english.exists(), f"prompts/en/{name}.md is missing"
    text = english.read_text(encoding="utf-8")
    russian_vars = variables(PROMPTS.text(name))
    # variables the code gives that the Russian wording does without: the person's name where the
    # Russian says «коллеги»; the company's name where the Russian declines it ($company_of)
    given_too = {"refer_refused": {"referral_name"}, "outreach": {"company"}}.get(name, set())
    assert variables(text) <= russian_vars | given_too
    assert variables(text) >= russian_vars - {"company_of", "industry_hint"}
    if variables(text) == set():  # a whole template, as sent: English by the one detector
        assert language_of(text) == "en", name


def test_the_loader_picks_the_language_and_falls_back_to_russian() -> None:
    assert PROMPTS.render("handoff_client", "en").startswith("Thank you for your question")
    assert PROMPTS.render("handoff_client").startswith("Спасибо за вопрос")
    # a team note has no English twin: the team reads Russian
    assert PROMPTS.text("handoff_team", "en") == PROMPTS.text("handoff_team")
    assert PROMPTS.exists("present", "en") and not PROMPTS.exists("handoff_team", "en")


def test_a_custom_directory_may_override_one_english_file(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "handoff_client.md").write_text("A person will answer.", encoding="utf-8")
    custom = PromptLibrary(tmp_path)
    assert custom.render("handoff_client", "en") == "A person will answer."
    assert custom.render("fallback_other", "en") == PROMPTS.render("fallback_other", "en")


def test_dates_in_english_and_russian() -> None:
    tz, at = ZoneInfo("Asia/Yekaterinburg"), datetime(2026, 11, 26, 11, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg"))
    english, russian = PROMPTS.words("en"), PROMPTS.words("ru")
    assert format_when(at, tz, english) == "on Thursday, November 26, at 11:00 (MSK+2)"
    assert format_when(at, tz, russian) == format_when(at, tz) == "в четверг, 26 ноября, в 11:00 (МСК+2)"
    assert format_slot(at, tz, english) == "— Thursday, November 26, 11:00 (MSK+2)"
    assert format_slot(at, tz, russian) == format_slot(at, tz)
    assert format_date(at.date(), english) == "November 26"
    assert format_date(at.date(), russian) == "26 ноября"


def test_english_templates_pass_the_reply_rules() -> None:
    facts = PROMPTS.text("product_facts")
    for name in CLIENT_FACING:
        text = PROMPTS.text(name, "en")
        if not variables(text):
            assert violations(text, language="en", max_words=120, product_facts=facts) == [], name


def test_the_conversation_keeps_its_language_through_short_messages() -> None:
    assert conversation_language(["Hi, which platforms do you support?", "ok", "да"]) == "en"
    assert conversation_language(["Hi, which platforms do you support?", "А сколько это стоит?"]) == "ru"
    assert conversation_language([], fallback="en") == "en"
    assert conversation_language(["ok"]) == "ru"


def test_english_templates_state_no_figure_the_eval_would_call_invented() -> None:
    from evals.grounding import invented

    facts = PROMPTS.text("product_facts")
    for name in CLIENT_FACING:
        text = PROMPTS.text(name, "en")
        if not variables(text):
            assert invented(text, facts=facts) == [], name


def test_the_reply_language_follows_the_client_and_starts_from_the_contact() -> None:
    from agent.nodes.compose import reply_language

    def state(contact: dict[str, object], *client: str) -> Any:
        return {"contact": contact, "history": [{"role": "client", "text": t} for t in client]
                + [{"role": "agent", "text": "Добрый день! Пишу по поводу отзывов."}]}

    assert reply_language(state({})) == "ru"
    assert reply_language(state({"language": "en"})) == "en"  # the first message to an English lead
    assert reply_language(state({"language": "en"}, "Здравствуйте, сколько стоит?")) == "ru"
    assert reply_language(state({}, "Hi, which platforms do you support?", "ok")) == "en"
    assert reply_language(state({"language": "de"})) == "ru"  # no German templates: Russian


def test_a_lead_can_be_imported_with_its_language() -> None:
    from agent.contacts_import import validate_row

    fields, error = validate_row({"name": "Oliver Grant", "email": "o.grant@lakeside-hotels.ru", "language": "EN"})
    assert error is None and fields is not None and fields["language"] == "en"
    _, error = validate_row({"name": "Hans Weber", "email": "h.weber@example.de", "language": "de"})
    assert error is not None and "ru, en" in error
