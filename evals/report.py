"""The eval's three outputs: a rich table in the terminal, a JSON report and a small HTML page
(inline CSS and SVG, no scripts) with a per-intent bar chart for the sales lead."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from channels.safe_text import shown
from evals.runner import DialogResult, TurnResult
from evals.scoring import Failure, Scores, Summary

REPORT_VERSION = 1


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _frac(correct: int, checked: int) -> str:
    return "—" if not checked else f"{correct}/{checked}"


def _when(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- JSON ----------------------------------------------------------------------------------------------


def turn_dict(turn: TurnResult) -> dict[str, Any]:
    exp = turn.expect
    expected: dict[str, Any] = {}
    if exp.intent is not None:
        expected["intent"] = exp.intent
    if exp.actions is not None:
        expected["actions"] = sorted(exp.actions)
    if exp.reply is not None:
        expected["reply"] = exp.reply
    if exp.demo_at is not None:
        expected["demo_at"] = exp.demo_at.isoformat()
    if exp.pause_until is not None:
        expected["pause_until"] = exp.pause_until.isoformat()
    if exp.referral is not None:
        expected["referral"] = exp.referral.fields()
    if exp.reply_must:
        expected["reply_must"] = list(exp.reply_must)
    if exp.reply_must_not:
        expected["reply_must_not"] = list(exp.reply_must_not)
    referral = {k: v for k, v in (turn.referral or {}).items() if k != "_id" and v} or None
    return {
        "turn": turn.index,
        "kind": turn.kind,
        "ran": turn.ran,
        "client": turn.text,
        "expected": expected,
        "got": {"intent": turn.intent, "source": turn.source, "actions": turn.actions, "reply": turn.replied,
                "demo_at": _when(turn.demo_at), "pause_until": _when(turn.pause_until), "referral": referral},
        "messages": [m.as_dict() for m in turn.background + turn.sent],
        "llm": {"calls": turn.llm_calls, "prompt_tokens": turn.prompt_tokens,
                "completion_tokens": turn.completion_tokens, "model_s": round(turn.model_s, 3)},
        "latency_s": round(turn.latency_s, 4),
        "errors": turn.errors,
    }


def build_report(summary: Summary, results: list[DialogResult], meta: dict[str, Any],
                 breaches: list[str] | None = None, judge: dict[str, Any] | None = None) -> dict[str, Any]:
    """The machine-readable report (everything the table and the HTML show, and the transcripts)."""
    return {
        "version": REPORT_VERSION,
        "meta": meta,
        "overall": summary.overall.as_dict(),
        "by_set": {name: s.as_dict() for name, s in summary.by_set.items()},
        "by_intent": {name: s.as_dict() for name, s in summary.by_intent.items()},
        "thresholds": {"breaches": breaches} if breaches is not None else None,
        "failures": [f.as_dict() for f in summary.failures],
        "judge": judge,
        "dialogs": [
            {"id": r.id, "file": str(r.dialog.path), "set": r.dialog.set_name, "channel": r.dialog.channel,
             "error": r.error, "duration_s": round(r.duration_s, 3),
             "failures": sum(1 for f in summary.failures if f.dialog_id == r.id),
             "turns": [turn_dict(t) for t in r.all_turns()]}
            for r in results
        ],
    }


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- terminal ------------------------------------------------------------------------------------------


_METRICS: tuple[tuple[str, Callable[[Scores], str]], ...] = (
    ("dialogs / turns", lambda s: f"{s.dialogs} / {s.turns}"),
    ("intent accuracy", lambda s: f"{_pct(s.intent_accuracy)} ({_frac(s.intent_correct, s.intent_checked)})"),
    ("action exact-match", lambda s: f"{_pct(s.action_match)} ({_frac(s.actions_correct, s.actions_checked)})"),
    ("field accuracy (dates, referrals)",
     lambda s: f"{_pct(s.field_accuracy)} ({_frac(s.dates_correct + s.referral_correct, s.dates_checked + s.referral_checked)})"),
    ("reply sent as expected", lambda s: f"{_pct(s.reply_match)} ({_frac(s.reply_correct, s.reply_checked)})"),
    ("reply-rule violations", lambda s: f"{s.rule_violations} in {s.messages_checked} messages"),
    ("invented prices / promises", lambda s: str(s.invented_prices)),
    ("opt-out recall", lambda s: f"{_pct(s.opt_out_recall)} ({_frac(s.opt_out_done, s.opt_out_asked)})"),
    ("opt-out possible band (held for a person)",
     lambda s: f"{s.opt_out_held} expected opt-outs; {_frac(s.ordinary_held, s.ordinary_checked)} other messages"),
    ("messages sent after opt-out", lambda s: str(s.messages_after_opt_out)),
    ("LLM calls / turn", lambda s: _num(s.per_turn(s.llm_calls), "{:.2f}")),
    ("tokens / turn (prompt+completion)", lambda s: _num(s.per_turn(s.prompt_tokens + s.completion_tokens), "{:.0f}")),
    ("latency / turn, ms (mean, p95)", lambda s: _latency(s)),
    ("errors", lambda s: str(s.errors)),
)


def _num(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def _latency(s: Scores) -> str:
    latency = s.as_dict()["latency_s"]
    if latency["mean"] is None:
        return "—"
    return f"{latency['mean'] * 1000:.0f}, {latency['p95'] * 1000:.0f}"


def _scores_table(summary: Summary) -> Table:
    """Metrics down, sets across (plus `all` when there are several sets)."""
    columns = [(name or "(set)", s) for name, s in summary.by_set.items()]
    if len(columns) != 1:
        columns.append(("all", summary.overall))
    table = Table("", *(shown(name) for name, _ in columns), title="Scores", title_justify="left")
    for label, value in _METRICS:
        table.add_row(label, *(shown(value(s)) for _, s in columns))
    return table


def _intent_table(summary: Summary) -> Table:
    table = Table("expected intent", "turns", "intent", "actions", "fields", "reply", "rule viol.", "LLM/turn",
                  "ms/turn", title="Per intent (wait = time passing; start = the opening outreach)",
                  title_justify="left")
    for name, s in summary.by_intent.items():
        mean = s.per_turn(sum(s.latencies))
        table.add_row(shown(name), str(s.turns or s.dialogs), _pct(s.intent_accuracy), _pct(s.action_match),
                      _pct(s.field_accuracy), _pct(s.reply_match), str(s.rule_violations),
                      _num(s.per_turn(s.llm_calls), "{:.2f}"), _num(None if mean is None else mean * 1000, "{:.0f}"))
    return table


def print_report(summary: Summary, console: Console, *, max_failures: int = 60, breaches: list[str] | None = None,
                 judge: dict[str, Any] | None = None) -> None:
    console.print(_scores_table(summary))
    console.print(_intent_table(summary))
    violations = summary.overall.as_dict()["violations"]
    if any(violations.values()):
        console.print("reply-rule violations: " + ", ".join(f"{k} {v}" for k, v in violations.items() if v))
    if judge is not None:
        console.print(f"judge: mean score {judge.get('mean_score')} over {judge.get('judged')} replies, "
                      f"{judge.get('not_grounded')} not grounded, {judge.get('errors')} errors")
    failures = summary.failures
    if failures:
        table = Table(title=f"Failures ({len(failures)})", title_justify="left")
        table.add_column("dialog", overflow="fold", min_width=12)
        for name in ("turn", "check", "expected", "got"):
            table.add_column(name, overflow="fold")
        for f in failures[:max_failures]:
            table.add_row(shown(f.dialog_id), str(f.turn), shown(f.check), shown(f.expected), shown(f.got))
        console.print(table)
        if len(failures) > max_failures:
            console.print(f"… and {len(failures) - max_failures} more (all in the JSON report)")
    else:
        console.print("[green]no failures[/green]")
    if breaches:
        for line in breaches:
            console.print(f"[red]threshold:[/red] {line}", highlight=False)


# --- HTML ----------------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2330;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#667}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:130px}
.card b{display:block;font-size:22px}.card span{color:#667;font-size:12px}
.bad b{color:#c0392b}.good b{color:#1e8449}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e6e9ef;padding:5px 8px;
text-align:left;vertical-align:top}th{background:#f5f7fa}td.num{text-align:right;white-space:nowrap}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
"""
_BAR_COLOURS = ("#2e86de", "#27ae60")


def _bar_chart(by_intent: dict[str, dict[str, Any]]) -> str:
    """Horizontal bars per intent: intent accuracy and action exact-match, 0–100 %."""
    rows = [(name, s) for name, s in by_intent.items() if name != "start"]
    label_w, bar_w, row_h, bar_h = 150, 460, 34, 12
    height = row_h * len(rows) + 30
    out = [f'<svg role="img" aria-label="per-intent scores" width="{label_w + bar_w + 70}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg">']
    for i, (name, s) in enumerate(rows):
        y = 10 + i * row_h
        checked = s["intent"][1] + s["actions"][1]
        out.append(f'<text x="0" y="{y + bar_h + 3}">{html.escape(name)}</text>')
        for j, key in enumerate(("intent_accuracy", "action_exact_match")):
            value = s.get(key)
            by = y + j * (bar_h + 2)
            out.append(f'<rect x="{label_w}" y="{by}" width="{bar_w}" height="{bar_h}" fill="#eef1f5"/>')
            if value is not None:
                out.append(f'<rect x="{label_w}" y="{by}" width="{bar_w * value:.1f}" height="{bar_h}" '
                           f'fill="{_BAR_COLOURS[j]}"><title>{html.escape(name)} {key}: {value:.1%}</title></rect>')
            label = "n/a" if value is None else f"{value:.0%}"
            out.append(f'<text x="{label_w + bar_w + 6}" y="{by + bar_h - 1}">{label}</text>')
        if not checked:
            out.append(f'<text x="{label_w + 6}" y="{y + bar_h + 3}" fill="#667">rules only</text>')
    for tick in (0, 50, 100):
        x = label_w + bar_w * tick / 100
        out.append(f'<line x1="{x}" y1="4" x2="{x}" y2="{height - 18}" stroke="#c8ced8" stroke-dasharray="2,3"/>')
        out.append(f'<text x="{x - 8}" y="{height - 4}">{tick}%</text>')
    out.append("</svg>")
    return "".join(out)


def _card(label: str, value: str, good: bool | None = None) -> str:
    cls = "" if good is None else (" good" if good else " bad")
    return f'<div class="card{cls}"><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>'


def _fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _table(rows: dict[str, dict[str, Any]]) -> str:
    head = ("", "dialogs", "turns", "intent accuracy", "action exact-match", "field accuracy", "reply match",
            "rule violations", "opt-out recall", "sent after opt-out", "invented prices", "LLM calls/turn",
            "tokens/turn", "latency mean, ms")
    out = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for name, s in rows.items():
        mean = s["latency_s"]["mean"]
        cells = [
            html.escape(name or "(set)"), s["dialogs"], s["turns"], _fmt_pct(s["intent_accuracy"]),
            _fmt_pct(s["action_exact_match"]), _fmt_pct(s["field_accuracy"]), _fmt_pct(s["reply_match"]),
            s["rule_violations"], _fmt_pct(s["opt_out_recall"]), s["messages_after_opt_out"], s["invented_prices"],
            "—" if s["llm"]["calls_per_turn"] is None else s["llm"]["calls_per_turn"],
            "—" if s["llm"]["tokens_per_turn"] is None else s["llm"]["tokens_per_turn"],
            "—" if mean is None else f"{mean * 1000:.0f}",
        ]
        out.append("<tr>" + "".join(f'<td class="num">{c}</td>' if i else f"<td>{c}</td>"
                                    for i, c in enumerate(cells)) + "</tr>")
    out.append("</table>")
    return "".join(out)


def render_html(report: dict[str, Any], max_failures: int = 300) -> str:
    """A self-contained page: headline figures, per-intent chart, tables and the failures."""
    overall, meta = report["overall"], report["meta"]
    cards = "".join([
        _card("intent accuracy", _fmt_pct(overall["intent_accuracy"])),
        _card("action exact-match", _fmt_pct(overall["action_exact_match"])),
        _card("field accuracy (dates, referrals)", _fmt_pct(overall["field_accuracy"])),
        _card("opt-out recall", _fmt_pct(overall["opt_out_recall"]),
              overall["opt_out_recall"] in (None, 1.0)),
        _card("messages sent after opt-out", str(overall["messages_after_opt_out"]),
              overall["messages_after_opt_out"] == 0),
        _card("invented prices / promises", str(overall["invented_prices"]), overall["invented_prices"] == 0),
        _card("reply-rule violations", str(overall["rule_violations"]), overall["rule_violations"] == 0),
    ])
    failures: list[dict[str, Any]] = report["failures"]
    fail_rows = "".join(
        f"<tr><td>{html.escape(f['dialog_id'])}</td><td class='num'>{f['turn']}</td><td>{html.escape(f['check'])}</td>"
        f"<td>{html.escape(f['expected'])}</td><td>{html.escape(f['got'])}</td></tr>"
        for f in failures[:max_failures]
    )
    more = f"<p class='meta'>… and {len(failures) - max_failures} more in the JSON report.</p>" \
        if len(failures) > max_failures else ""
    breaches = (report.get("thresholds") or {}).get("breaches")
    threshold_html = ""
    if breaches is not None:
        threshold_html = ("<p class='good'>All CI thresholds hold.</p>" if not breaches else
                          "<ul>" + "".join(f"<li class='bad'>{html.escape(b)}</li>" for b in breaches) + "</ul>")
    judge = report.get("judge")
    judge_html = ""
    if judge:
        judge_html = (f"<h2>Reply quality (LLM judge)</h2><p>Mean score {judge.get('mean_score')} of 5 over "
                      f"{judge.get('judged')} replies; {judge.get('not_grounded')} not grounded in the product "
                      f"facts, {judge.get('not_answering')} not answering the client.</p>")
    title = "Sales agent eval"
    subtitle = (f"{html.escape(str(meta.get('llm')))} · {meta.get('dialogs')} dialogs · "
                f"{html.escape(str(meta.get('started_at', '')))} · {meta.get('duration_s')} s")
    legend = (f'<div class="legend"><span style="background:{_BAR_COLOURS[0]}"></span>intent understood'
              f'<span style="background:{_BAR_COLOURS[1]}"></span>right actions taken</div>')
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_CSS}</style></head><body><h1>{title}</h1><p class='meta'>{subtitle}</p>"
        f"<div class='cards'>{cards}</div>{threshold_html}"
        f"<h2>Per intent</h2>{legend}{_bar_chart(report['by_intent'])}"
        f"<h2>By set</h2>{_table(report['by_set'])}<h2>Per intent, all figures</h2>{_table(report['by_intent'])}"
        f"{judge_html}<h2>Failures ({len(failures)})</h2>"
        + (f"<table><tr><th>dialog</th><th>turn</th><th>check</th><th>expected</th><th>got</th></tr>{fail_rows}</table>"
           if failures else "<p class='good'>None.</p>")
        + f"{more}</body></html>\n"
    )


def write_html(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")


def failures_text(failures: list[Failure], limit: int = 40) -> str:
    """Plain lines for assertion messages."""
    lines = [f"{f.dialog_id} turn {f.turn}: {f.check}: expected {f.expected}, got {f.got}" for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"… and {len(failures) - limit} more")
    return "\n".join(lines)
