"""Measure the email parser on the real-world corpus in ../shared/corpus/emails (129 fixtures from
public parsers' test suites; manifest.json states what each expects and how to compare).

Every fixture goes through the public API, `parse_message(bytes)`. Fixtures that are bare bodies
(a source test fed its extractor text or HTML, not a message) are wrapped in a minimal message
first: `Content-Type` text/plain or text/html, and a `From` carrying the manifest's `sender` when
one is given (talon's signature extractor takes the sender as input; a real message has it in From).

    python -m evals.email_corpus [--json out.json] [--corpus DIR] [--failures]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from channels.email.parsing import EmailParseError, ParsedEmail, parse_message

CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "emails"
_HEADER_LINE = re.compile(rb"^(?:From |[A-Za-z][A-Za-z0-9-]{0,60}:[ \t])")
_BOUNCE_FLAGS = {"bounce", "bounce_soft"}


@dataclass
class FixtureResult:
    """What the parser made of one fixture, judged against the manifest."""

    file: str
    source: str
    kind: str
    lang: str
    match: str | None
    extracted: bool | None = None  # None: no expectation on the text
    detected: bool | None = None  # bounce / auto-reply recognised (None: neither kind)
    false_alarm: bool = False  # a reply or plain message flagged, or an auto-reply called a bounce
    soft_expected: bool | None = None
    soft_agrees: bool | None = None
    recipients_agree: bool | None = None
    flags: list[str] = field(default_factory=list)
    text: str = ""
    rejected: str | None = None
    crash: str | None = None


def looks_like_message(data: bytes) -> bool:
    """Whether a fixture is a whole RFC 5322 message (else it is a bare body)."""
    first = next((line for line in data.splitlines() if line.strip()), b"")
    return bool(_HEADER_LINE.match(first))


def as_message(entry: dict[str, Any], data: bytes) -> bytes:
    """The fixture as raw message bytes: whole messages unchanged, bare bodies wrapped."""
    if looks_like_message(data):
        return data
    kind = "html" if entry["file"].endswith((".html", ".htm")) else "plain"
    sender = (entry.get("sender") or "").strip()
    from_line = f'"{sender}" <client@example.invalid>' if sender else "client@example.invalid"
    head = (
        f"From: {from_line}\r\nTo: agent@example.invalid\r\nSubject: Re: corpus\r\n"
        f"Message-ID: <corpus@example.invalid>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode() + data


def text_matches(entry: dict[str, Any], text: str) -> bool | None:
    """The fixture's own comparison (manifest `match`), or None when it states none."""
    rule = entry.get("match")
    expected = entry.get("expected_visible_text")
    if rule == "contains":
        return all(piece in text for piece in entry.get("expected_contains", []))
    if rule == "not_contains":
        return not any(piece in text for piece in entry.get("expected_not_contains", []))
    if rule is None or expected is None:
        return None
    if rule == "exact":
        return text == expected
    if rule == "strip":
        return text.strip() == expected.strip()
    if rule == "no_whitespace":
        return re.sub(r"\s", "", text) == re.sub(r"\s", "", expected)
    raise ValueError(f"unknown match rule {rule!r} in {entry['file']}")


def _expected_soft(expected: dict[str, Any]) -> bool | None:
    if "temporary" in expected:
        return bool(expected["temporary"])
    if "type" in expected:
        return expected["type"] == "soft"
    statuses = [s for s in str(expected.get("status", "")).split(";") if s]
    if not statuses:
        return None
    return all(s.startswith("4") or s == "5.2.2" for s in statuses)


def judge(entry: dict[str, Any], parsed: ParsedEmail, result: FixtureResult) -> None:
    """Fill in the verdicts of one successfully parsed fixture."""
    flags = set(parsed.flags)
    result.flags, result.text = list(parsed.flags), parsed.text
    result.extracted = text_matches(entry, parsed.text)
    if result.kind == "bounce":
        result.detected = bool(flags & _BOUNCE_FLAGS)
        expected = entry.get("expected_bounce") or {}
        result.soft_expected = _expected_soft(expected)
        if result.detected and result.soft_expected is not None:
            result.soft_agrees = ("bounce_soft" in flags) == result.soft_expected
        wanted = {a.lower() for a in expected.get("failed_recipients", [])}
        if wanted:
            result.recipients_agree = wanted <= set(parsed.bounce_recipients)
    elif result.kind == "auto_reply":
        result.detected = "auto_reply" in flags
        result.false_alarm = bool(flags & _BOUNCE_FLAGS)
    else:
        result.false_alarm = bool(flags)


def measure_one(corpus: Path, entry: dict[str, Any]) -> FixtureResult:
    """Parse one fixture through the public API; crashes are recorded, not raised."""
    result = FixtureResult(
        file=entry["file"], source=entry["file"].split("/", 1)[0], kind=entry["kind"],
        lang=entry.get("lang", ""), match=entry.get("match"),
    )
    raw = as_message(entry, (corpus / entry["file"]).read_bytes())
    try:
        parsed = parse_message(raw)
    except EmailParseError as exc:
        result.rejected = str(exc)
        result.extracted = False if entry.get("match") else None
        result.detected = False if result.kind in ("bounce", "auto_reply") else None
        return result
    except Exception as exc:  # a crash is the finding being measured
        result.crash = f"{type(exc).__name__}: {exc}"
        result.extracted = False if entry.get("match") else None
        result.detected = False if result.kind in ("bounce", "auto_reply") else None
        return result
    judge(entry, parsed, result)
    return result


def measure(corpus: Path = CORPUS_DIR) -> list[FixtureResult]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    return [measure_one(corpus, entry) for entry in manifest]


def _ratio(values: Iterable[bool | None]) -> tuple[int, int]:
    judged = [v for v in values if v is not None]
    return sum(judged), len(judged)


def summarize(results: list[FixtureResult]) -> dict[str, dict[str, Any]]:
    """Per source, per Russian subset and overall: (passed, judged) pairs and counts."""
    groups: dict[str, list[FixtureResult]] = {}
    for result in results:
        groups.setdefault(result.source, []).append(result)
    groups["russian (lang=ru)"] = [r for r in results if r.lang == "ru"]
    groups["ALL"] = results
    summary: dict[str, dict[str, Any]] = {}
    for name, items in groups.items():
        summary[name] = {
            "fixtures": len(items),
            "extraction": _ratio(r.extracted for r in items),
            "bounces": _ratio(r.detected for r in items if r.kind == "bounce"),
            "auto_replies": _ratio(r.detected for r in items if r.kind == "auto_reply"),
            "hard_soft": _ratio(r.soft_agrees for r in items),
            "recipients": _ratio(r.recipients_agree for r in items),
            "false_alarms": sum(r.false_alarm for r in items),
            "rejected": sum(r.rejected is not None for r in items),
            "crashes": sum(r.crash is not None for r in items),
        }
    return summary


def _cell(pair: tuple[int, int]) -> str:
    passed, judged = pair
    return f"{passed}/{judged} ({100 * passed / judged:.0f} %)" if judged else "–"


def render(summary: dict[str, dict[str, Any]]) -> str:
    columns = ("extraction", "bounces", "auto_replies", "hard_soft", "recipients")
    head = "| source | fixtures | " + " | ".join(columns) + " | false alarms | rejected | crashes |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, row in summary.items():
        cells = [_cell(row[c]) for c in columns]
        lines.append(
            f"| {name} | {row['fixtures']} | " + " | ".join(cells)
            + f" | {row['false_alarms']} | {row['rejected']} | {row['crashes']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="the corpus folder (manifest.json)")
    parser.add_argument("--json", type=Path, help="also write per-fixture results and the summary here")
    parser.add_argument("--failures", action="store_true", help="list the fixtures that miss their expectation")
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    results = measure(args.corpus)
    summary = summarize(results)
    print(render(summary))
    if args.failures:
        for r in results:
            if r.extracted is False or r.detected is False or r.false_alarm or r.crash or r.soft_agrees is False:
                print(f"\n- {r.file} [{r.kind}/{r.match}] flags={r.flags} rejected={r.rejected} crash={r.crash}")
                print("  text: " + json.dumps(r.text[:300], ensure_ascii=False))
    if args.json:
        payload = {"summary": summary, "fixtures": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
