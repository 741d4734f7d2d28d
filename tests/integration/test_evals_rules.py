"""CI gate: the rules mode over the project's own dialogs and the 12 shared samples, scored as
../shared/DIALOGS.md says, must hold the thresholds in evals/thresholds.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agent.settings import Settings
from cli.eval import eval_command
from evals import thresholds
from evals.report import failures_text
from evals.suite import OWN_DIALOGS, Outcome, evaluate, load

pytestmark = pytest.mark.integration

SHARED = Path(__file__).resolve().parents[3] / "shared" / "dialogs"


def suite_paths() -> list[Path]:
    if SHARED.is_dir():
        return [OWN_DIALOGS, SHARED]
    if os.environ.get("CI"):
        pytest.fail(f"the shared sample dialogs are missing: {SHARED}")
    return [OWN_DIALOGS]


@pytest.fixture(scope="module")
async def outcome(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    settings = Settings(_env_file=None, llm_provider="rules",  # type: ignore[call-arg]
                        data_dir=tmp_path_factory.mktemp("evals"))
    return await evaluate(load(suite_paths()), settings, mongo_uri)


def test_rules_mode_holds_the_ci_thresholds(outcome: Outcome) -> None:
    assert outcome.breaches == [], "\n".join(outcome.breaches) + "\n" + failures_text(outcome.summary.failures)


def test_hard_rules(outcome: Outcome) -> None:
    overall = outcome.summary.overall
    assert overall.opt_out_asked >= 9 and overall.opt_out_recall == 1.0
    assert overall.messages_after_opt_out == 0
    assert overall.invented_prices == 0
    assert overall.errors == 0, failures_text([f for f in outcome.summary.failures if f.check == "error"])


def test_no_failure_beyond_the_known_ones(outcome: Outcome) -> None:
    """A failure that is not in thresholds.KNOWN_FAILURES is a regression (or a new dialog to triage)."""
    new = [f for f in outcome.summary.failures if f"{f.dialog_id}#{f.turn}:{f.check}" not in thresholds.KNOWN_FAILURES]
    assert new == [], failures_text(new)


def test_the_shared_samples_all_pass(outcome: Outcome) -> None:
    if not SHARED.is_dir():
        pytest.skip("shared/dialogs not present")
    samples = outcome.summary.by_set["shared/dialogs"]
    assert samples.dialogs == 12
    assert samples.failures == 0, failures_text([f for f in outcome.summary.failures if f.set_name == "shared/dialogs"])


def test_every_intent_is_scored(outcome: Outcome) -> None:
    assert set(outcome.summary.by_intent) >= {
        "interested", "question", "presentation", "demo", "referral", "pause", "opt_out", "not_interested",
        "auto_reply", "bounce", "restart", "other", "wait"}
    assert all(r.error is None for r in outcome.results)


def test_the_cli_writes_the_table_json_and_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env; the CLI starts its own embedded server
    app = typer.Typer()
    app.command("eval")(eval_command)
    app.callback()(lambda: None)
    files = [str(OWN_DIALOGS / name) for name in ("demo-friday-01.yaml", "optout-unsubscribe-01.yaml")]
    result = CliRunner().invoke(app, ["eval", *files, "--report", str(tmp_path / "r" / "report.json"), "--check"])
    assert result.exit_code == 0, result.output
    assert "intent accuracy" in result.output and "no failures" in result.output
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["overall"]["intent_accuracy"] == 1.0 and report["meta"]["dialogs"] == 2
    assert [d["id"] for d in report["dialogs"]] == ["demo-friday-01", "optout-unsubscribe-01"]
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "demo" in html


def test_known_failures_only_shrink(outcome: Outcome) -> None:
    """A known failure that passes now must leave the list, so the list only ever shrinks."""
    seen = {f"{f.dialog_id}#{f.turn}:{f.check}" for f in outcome.summary.failures}
    fixed = sorted(thresholds.KNOWN_FAILURES - seen)
    assert not fixed, f"these pass now: remove them from evals/thresholds.py KNOWN_FAILURES: {fixed}"
