""""Stop writing to me, write to X": the client asks us to stop writing to *them* and names the
person to write to instead («Мне не пишите, я бухгалтер. По отзывам — к Ольге: olga@…», "Remove me
from cc, continue with Raj"). Both wishes are clear, so no person is needed: the sender's addresses
are suppressed (nothing is ever sent to them again, not even a thanks) and the referral is
followed. Everything else in the possible band still goes to a person.

It is a redirect only when all of these hold, else the message stays `possible`:
- the stop-word analysis found a live stop signal next to an address (and nothing certain);
- the whole reading (rules, then the classifier) is `referral`;
- no stop clause names an address itself («исключите info@… из рассылки» is a stop for that
  address) or a group («нас», «всем сотрудникам», «all @domain addresses»): a stop for a team or a
  company is not a redirect to someone in it.
"""

from __future__ import annotations

import re

from agent.understanding.schema import Understanding
from agent.understanding.stop_signal import ADDRESS, StopVerdict

# a stop clause about a group, not the writer alone
_GROUP = re.compile(
    r"(?<!\w)(?:нас|нам|нами|наш\w*|вс[её]\w*|сотрудник\w*|коллег\w*|домен\w*|компани\w*|"
    r"us|our|ours|we|all|every\w*|staff|team|domain\w*|company)(?!\w)")


def stop_and_refer(verdict: StopVerdict, reading: Understanding) -> str | None:
    """Why this possible stop is a stop for the sender plus a referral, or None when a person must
    decide. `reading` is the rules-mode reading of the same text."""
    if verdict.band != "possible" or not verdict.beside_address or reading.intent != "referral":
        return None
    for clause in verdict.beside_address:
        if ADDRESS.search(clause) or _GROUP.search(clause):
            return None
    return f"не писать отправителю и написать тому, кого он назвал («{verdict.beside_address[0][:80]}»)"
