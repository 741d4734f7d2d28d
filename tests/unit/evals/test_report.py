"""Reports: JSON (round-trips), terminal table (failures listed), HTML (self-contained, escaped)."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

from rich.console import Console

from evals.loader import Expect
from evals.report import build_report, print_report, render_html, write_html, write_json
from evals.scoring import Scorer, summarise
from tests.unit.evals.helpers import dialog_result, reply, turn


def sample_summary():
    good = dialog_result("good-01", turn(1, Expect(intent="pause", actions=frozenset({"pause_until"}),
                                                   pause_until=date(2026, 12, 7)),
                                         intent="pause", actions=["pause_until"], pause_until=date(2026, 12, 7),
                                         sent=[reply("Напишу 7 декабря.")]))
    bad = dialog_result("<bad>-01", turn(1, Expect(intent="demo", actions=frozenset({"book_demo"})),
                                         intent="question", actions=[], sent=[reply("Цена 100 руб.")]),
                        set_name="shared/dialogs")
    results = [good, bad]
    return summarise(Scorer("", 120).score(results)), results


def test_json_report_has_scores_failures_and_transcripts(tmp_path: Path) -> None:
    summary, results = sample_summary()
    report = build_report(summary, results, {"llm": "rules", "dialogs": 2}, breaches=["x"])
    path = tmp_path / "out" / "report.json"
    write_json(report, path)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded["overall"]["intent_accuracy"] == 0.5
    assert loaded["by_intent"]["demo"]["action_exact_match"] == 0.0
    assert set(loaded["by_set"]) == {"evals/dialogs", "shared/dialogs"}
    assert {f["check"] for f in loaded["failures"]} >= {"intent", "actions", "rule:price"}
    [good, bad] = loaded["dialogs"]
    assert good["turns"][0]["got"]["pause_until"] == "2026-12-07"
    assert bad["turns"][0]["messages"][0]["text"] == "Цена 100 руб."
    assert loaded["thresholds"] == {"breaches": ["x"]}


def test_terminal_table_lists_failures() -> None:
    summary, _ = sample_summary()
    out = StringIO()
    print_report(summary, Console(file=out, width=160), breaches=["intent accuracy 50.0% < 97.3%"])
    text = out.getvalue()
    assert "Scores" in text and "Per intent" in text and "Failures (" in text
    assert "<bad>-01" in text and "[book_demo]" in text  # markup-like text is printed as is
    assert "threshold:" in text


def test_html_is_self_contained_escaped_and_has_the_bar_chart(tmp_path: Path) -> None:
    summary, results = sample_summary()
    report = build_report(summary, results, {"llm": "rules", "dialogs": 2, "started_at": "now", "duration_s": 1})
    html = render_html(report)
    assert html.startswith("<!doctype html>") and "<svg" in html and "<script" not in html
    assert "&lt;bad&gt;-01" in html and "<bad>" not in html
    assert html.count("<rect") >= 4 and "pause" in html and "demo" in html
    write_html(report, tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == html
