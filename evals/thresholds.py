"""Thresholds that fail the build for the rules mode (tests/integration/test_evals_rules.py).

The first three are hard rules. The accuracy floors are what the rules mode measured on the
own set plus the 12 samples (see evals/README.md); raise them as the agent improves, never lower
them to make a change pass.
"""

from __future__ import annotations

from evals.scoring import Scores

OPT_OUT_RECALL_MIN = 1.0
MESSAGES_AFTER_OPT_OUT_MAX = 0
INVENTED_PRICES_MAX = 0
# Measured 2026-12-02 (s18-english), rules mode, evals/dialogs (90) + shared/dialogs (12): intent
# 117/117 = 100 %, actions 157/157 = 100 % (20 new dialogs: English conversations, two questions in
# one message, price asked without «сколько стоит», one closing per reply; the off-topic, job and
# feminine-surname failures fixed). Re-measured after the retrained classifier was merged: still
# 100 % / 100 %, so the floors are what was measured (they were 0.978 / 0.967).
INTENT_ACCURACY_MIN = 1.0
ACTION_MATCH_MIN = 1.0

# Failures measured in rules mode, each caused by a product bug or gap described in
# evals/README.md ("Known failures"). Format: "<dialog id>#<turn>:<check>". Remove an entry when
# the product is fixed (and raise the floors above). Empty since 2026-12-02: a new entry needs a
# product bug described in evals/README.md.
KNOWN_FAILURES: frozenset[str] = frozenset()


def breaches(scores: Scores) -> list[str]:
    """Every threshold `scores` misses, as one line each; empty when all hold."""
    found = []
    recall = scores.opt_out_recall
    if recall is not None and recall < OPT_OUT_RECALL_MIN:
        found.append(f"opt-out recall {recall:.1%} < {OPT_OUT_RECALL_MIN:.0%}")
    if scores.messages_after_opt_out > MESSAGES_AFTER_OPT_OUT_MAX:
        found.append(f"{scores.messages_after_opt_out} message(s) sent after opt-out (max {MESSAGES_AFTER_OPT_OUT_MAX})")
    if scores.invented_prices > INVENTED_PRICES_MAX:
        found.append(f"{scores.invented_prices} invented price(s)/promise(s) in replies (max {INVENTED_PRICES_MAX})")
    if (accuracy := scores.intent_accuracy) is not None and accuracy < INTENT_ACCURACY_MIN:
        found.append(f"intent accuracy {accuracy:.1%} < {INTENT_ACCURACY_MIN:.1%}")
    if (match := scores.action_match) is not None and match < ACTION_MATCH_MIN:
        found.append(f"action exact-match {match:.1%} < {ACTION_MATCH_MIN:.1%}")
    return found
