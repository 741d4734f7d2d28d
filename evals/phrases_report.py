"""Measure the intent classifier and the opt-out bands on the phrase bank.

    python -m evals.phrases_report            # print, and write evals/phrases/report.json
    python -m evals.phrases_report --cv       # also the threshold table from CV on the train split

Held-out figures are measured with the committed model; nothing here tunes anything.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from agent.understanding import classifier, learned, rules
from agent.understanding.new_address import own_new_address
from agent.understanding.redirect import stop_and_refer
from agent.understanding.schema import INTENTS, Understanding
from agent.understanding.stop_signal import POSSIBLE_THRESHOLD, opt_out_band, stop_outcome
from evals.phrase_bank import PHRASES_DIR, Phrase, bank_hash, load, select

FLAGGED_INTENTS = frozenset({"auto_reply", "bounce", "restart"})

REPORT_PATH = PHRASES_DIR / "report.json"
TARGETS = {"opt_out_recall": 1.0, "certain_precision": 0.99, "ordinary_in_possible_max": 0.05, "intent_accuracy": 0.95}
EARLIER_EXCLUDES = ("s20",)
GRID = (0.05, 0.1, 0.12, 0.15, 0.17, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def intent_scores(phrases: Sequence[Phrase], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, per-intent precision/recall/F1/support and the confusion matrix (rows = truth)."""
    truth = [p.intent for p in phrases]
    labels = [i for i in INTENTS if i in set(truth) | set(predicted)]
    prec, rec, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    return {
        "n": len(truth),
        "accuracy": _ratio(sum(t == p for t, p in zip(truth, predicted, strict=True)), len(truth)),
        "per_intent": {
            label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                    "support": int(s)}
            for label, p, r, f, s in zip(labels, prec, rec, f1, support, strict=True)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(truth, predicted, labels=labels).tolist()},
    }


def opt_out_scores(phrases: Sequence[Phrase], bands: Sequence[str]) -> dict[str, Any]:
    """Recall of certain ∪ possible, certain-band precision, ordinary messages in `possible`."""
    pairs = list(zip(phrases, bands, strict=True))
    stops = [b for p, b in pairs if p.intent == "opt_out"]
    ordinary = [b for p, b in pairs if p.intent != "opt_out"]
    certain = [p for p, b in pairs if b == "certain"]
    near = [b for p, b in pairs if p.intent != "opt_out" and "near_miss" in p.tags]
    return {
        "opt_outs": len(stops),
        "recall_certain_or_possible": _ratio(sum(b not in ("none", "moved") for b in stops), len(stops)),
        "opt_outs_certain": sum(b == "certain" for b in stops),
        "opt_outs_possible": sum(b == "possible" for b in stops),
        "opt_outs_missed": sum(b in ("none", "moved") for b in stops),
        # "stop writing to me, write to X": the sender is suppressed (so a stop counts for recall),
        # the named person is written to; an ordinary message here is followed as the referral it is
        "opt_outs_redirect": sum(b == "redirect" for b in stops),
        "ordinary_in_redirect_n": sum(b == "redirect" for b in ordinary),
        "referrals_in_redirect": sum(b == "redirect" and p.intent == "referral" for p, b in pairs),
        # the client's own new email, no stop signal: the conversation moves there (a stop here was missed anyway)
        "opt_outs_moved": sum(b == "moved" for b in stops),
        "ordinary_moved_n": sum(b == "moved" for b in ordinary),
        "certain_precision": _ratio(sum(p.intent == "opt_out" for p in certain), len(certain)),
        "ordinary": len(ordinary),
        "ordinary_in_possible": _ratio(sum(b == "possible" for b in ordinary), len(ordinary)),
        "ordinary_in_possible_n": sum(b == "possible" for b in ordinary),
        "ordinary_in_certain": sum(b == "certain" for b in ordinary),
        "near_misses": len(near),
        "near_misses_in_possible": sum(b == "possible" for b in near),
        "near_misses_in_certain": sum(b == "certain" for b in near),
    }


def evaluate(phrases: Sequence[Phrase]) -> dict[str, Any]:
    """Classifier and band scores for one set of phrases."""
    predicted = [classifier.predict(p.text)[0][0] for p in phrases]
    bands = [opt_out_band(p.text).band for p in phrases]
    combined = ["opt_out" if b == "certain" else i for i, b in zip(predicted, bands, strict=True)]
    readings = [rules_reading(p.text) for p in phrases]
    acted_on = [agent_band(p.text, r) for p, r in zip(phrases, readings, strict=True)]
    return {
        "classifier": intent_scores(phrases, predicted),
        "classifier_with_certain_opt_out": {"accuracy": intent_scores(phrases, combined)["accuracy"]},
        "opt_out": opt_out_scores(phrases, bands),
        # what the agent acts on: certain needs the stop-word analysis and the phrase rules to agree
        "agent_outcome": opt_out_scores(phrases, acted_on),
        "agent_intent": agent_intent_accuracy(phrases, readings, acted_on),
    }


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def rules_reading(text: str) -> Understanding:
    """What the rules-mode agent reads (certain rules, else the rules refined by the classifier)."""
    tz = NOW.tzinfo
    assert isinstance(tz, ZoneInfo)
    return rules.detect_certain(text, [], NOW, tz) or learned.refine(rules.classify(text, NOW, tz), text, NOW, tz)


def agent_band(text: str, reading: Understanding) -> str:
    """The stop outcome the agent acts on: certain, possible, redirect ("stop writing to me, write
    to X": the sender suppressed, the referral followed), moved (the client's own new email: the
    conversation moves there) or none. `reading` is `rules_reading(text)`."""
    verdict = stop_outcome(text)
    if stop_and_refer(verdict, reading):
        return "redirect"
    if verdict.band == "none" and own_new_address(text, reading, verdict, None):
        return "moved"  # beside a live stop signal the agent holds it for a person instead
    return verdict.band


def agent_intent_accuracy(phrases: Sequence[Phrase], readings: Sequence[Understanding],
                          bands: Sequence[str]) -> dict[str, Any]:
    """The intent the rules-mode agent reads (certain rules, else the rules refined by the
    classifier; a possible stop counts as opt-out, since the agent then sends nothing). Channel-flag
    intents (auto_reply, bounce, restart) are left out: the channels flag them, not the text."""
    scored = [(p, r, b) for p, r, b in zip(phrases, readings, bands, strict=True) if p.intent not in FLAGGED_INTENTS]
    right = 0
    for p, reading, band in scored:
        stop = reading.intent == "opt_out" or band in ("certain", "possible")
        right += ("opt_out" if stop else reading.intent) == p.intent
    return {"n": len(scored), "accuracy": _ratio(right, len(scored))}


def threshold_table(phrases: Sequence[Phrase]) -> list[dict[str, Any]]:
    """Out-of-fold (5-fold CV on these phrases) opt-out misses and ordinary share per threshold."""
    from unittest import mock

    from agent.understanding import stop_signal
    from evals.train_classifier import cross_validate

    oof = cross_validate(list(phrases))["opt_out"]
    with mock.patch.object(stop_signal.classifier, "probability", lambda _t, _i: 0.0):
        verdicts = [opt_out_band(p.text) for p in phrases]
    rule_bands = [v.band for v in verdicts]
    # followed as "stop writing to me, write to X", not held (the reading uses the committed model)
    redirected = [bool(v.beside_address) and stop_and_refer(v, rules_reading(p.text)) is not None
                  for p, v in zip(phrases, verdicts, strict=True)]
    ordinary = sum(p.intent != "opt_out" for p in phrases)
    rows = []
    for tau in GRID:
        caught = [b != "none" or q >= tau for b, q in zip(rule_bands, oof, strict=True)]
        missed = sum(p.intent == "opt_out" and not c for p, c in zip(phrases, caught, strict=True))
        held = [p.intent != "opt_out" and (b == "possible" or (b == "none" and c))
                for p, b, c in zip(phrases, rule_bands, caught, strict=True)]
        rows.append({"threshold": tau, "opt_outs_missed": missed,
                     "ordinary_in_possible": _ratio(sum(held), ordinary),
                     "ordinary_held_for_a_person": _ratio(sum(h and not r for h, r in zip(held, redirected, strict=True)),
                                                          ordinary)})
    return rows


def build(cv: bool = False) -> dict[str, Any]:
    phrases = load()
    sets = {
        "heldout_hash": select(phrases, "heldout"),
        "heldout_fresh": select(phrases, "fresh"),
        "heldout_all": select(phrases, "heldout", "fresh"),
        # the same held-out messages as before the s20 files (2026-12-03, round three): before/after
        "heldout_before_s20": [p for p in select(phrases, "heldout", "fresh") if not p.source.startswith(EARLIER_EXCLUDES)],
        "train": select(phrases, "train"),
    }
    meta = json.loads(classifier.META_PATH.read_text(encoding="utf-8"))
    report: dict[str, Any] = {
        "model": meta,
        "bank_sha256_now": bank_hash(),
        "possible_threshold": POSSIBLE_THRESHOLD,
        "targets": TARGETS,
        "sets": {name: evaluate(items) for name, items in sets.items()},
    }
    if cv:
        report["threshold_cv_on_train"] = threshold_table(sets["train"])
    return report


def _print(report: dict[str, Any]) -> None:
    print(f"possible threshold {report['possible_threshold']}, model trained on {report['model']['training_data_sha256'][:12]}")
    head = f"{'set':<14}{'n':>6}{'intent acc':>12}{'+certain':>10}{'opt-out rec':>13}{'certain prec':>14}{'ordinary→possible':>19}"
    print(head)
    for name, scores in report["sets"].items():
        c, o = scores["classifier"], scores["opt_out"]
        print(f"{name:<14}{c['n']:>6}{c['accuracy']:>12}{scores['classifier_with_certain_opt_out']['accuracy']:>10}"
              f"{o['recall_certain_or_possible']!s:>13}{o['certain_precision']!s:>14}{o['ordinary_in_possible']!s:>19}")
    print("\nwhat the agent acts on (stop_outcome: certain only when both readers agree)")
    for name, scores in report["sets"].items():
        a = scores["agent_outcome"]
        print(f"{name:<14}{'':>6}{'':>12}{'':>10}{a['recall_certain_or_possible']!s:>13}{a['certain_precision']!s:>14}"
              f"{a['ordinary_in_possible']!s:>19}   redirect: {a['opt_outs_redirect']} stops, "
              f"{a['referrals_in_redirect']} referrals, {a['ordinary_in_redirect_n']} ordinary; "
              f"moved: {a['opt_outs_moved']} stops, {a['ordinary_moved_n']} ordinary")
    print("\nintent the rules-mode agent reads (channel-flag intents left out):",
          ", ".join(f"{name} {scores['agent_intent']['accuracy']}" for name, scores in report["sets"].items()))
    held = report["sets"]["heldout_all"]["classifier"]
    print("\nheld-out (hash + fresh), per intent: precision / recall / F1 (support)")
    for label, s in held["per_intent"].items():
        print(f"  {label:<15}{s['precision']:>7}{s['recall']:>8}{s['f1']:>8}  ({s['support']})")
    print("\nconfusion (held-out, rows = truth):", " ".join(x[:5] for x in held["confusion"]["labels"]))
    for label, row in zip(held["confusion"]["labels"], held["confusion"]["matrix"], strict=True):
        print(f"  {label[:14]:<15}" + "".join(f"{v:>6}" for v in row))
    for row in report.get("threshold_cv_on_train", []):
        print(f"  CV threshold {row['threshold']}: missed {row['opt_outs_missed']}, ordinary→possible {row['ordinary_in_possible']}"
              f", held for a person {row['ordinary_held_for_a_person']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="add the threshold table (5-fold CV on train)")
    parser.add_argument("--out", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)
    report = build(cv=args.cv)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _print(report)


if __name__ == "__main__":
    main()
