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
# Measured 2026-12-02, rules mode, evals/dialogs (70) + shared/dialogs (12): intent 94/95 = 98.9 %,
# actions 120/123 = 97.6 % (the classifier retrained on the grown phrase bank now reads the SEO
# offer as off-topic). The misses are the known failures listed in evals/README.md.
INTENT_ACCURACY_MIN = 0.989
ACTION_MATCH_MIN = 0.975

# Failures measured in rules mode, each caused by a product bug or gap described in
# evals/README.md ("Known failures"). Format: "<dialog id>#<turn>:<check>". Remove an entry when
# the product is fixed (and raise the floors above).
KNOWN_FAILURES: frozenset[str] = frozenset({
    "other-job-then-silent-01#1:intent",
    "other-job-then-silent-01#1:actions",
    "other-job-then-silent-01#2:actions",
    "other-job-then-silent-01#2:reply",
    "question-english-01#1:actions",
    "question-english-01#1:rule:language",
    "question-english-01#1:rule:reply_must",
    "injection-system-prompt-01#1:rule:language",
    "referral-phone-01#1:referral.name",
})


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
