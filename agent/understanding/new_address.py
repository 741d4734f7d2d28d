"""The client's own new address: «Сюда больше не пишите — ящик закроют. Мой новый адрес: …», "This
is my personal email, for work use m.blake@…", «Пришлите PDF на мой личный адрес …». The client is
the same person, so the conversation simply moves to that address: no person is needed, no one new
is created, and the old address is never written to again (it goes on the suppression list only
when the client asked us to stop writing there).

It is the client's own address only when all of these hold, else the message is read as before:
- the client's own words hold exactly one address, an email, and it is not the contact's current one;
- the address is said to be the writer's («мой новый адрес», «пишите мне на», "email me at", "new
  email:") and no one else is named or described beside it («Ольга», «наш маркетолог», "our team");
- a stop signal, if any, is about the old address and not the person: every live stop clause names
  the place («сюда», «на эту почту», «на приходскую почту», "here") — «не пишите мне» is a stop for
  the person (then it is a redirect or a possible stop, as before);
- the rules reading is not a stop, a bounce or an auto-reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.understanding.entities import EMAIL_RE, find_emails, find_person_name, find_phones, find_telegram
from agent.understanding.schema import Understanding
from agent.understanding.stop_signal import ANOTHER_CHANNEL, StopVerdict, own_words, signals

# the address is said to be the writer's
_MINE = re.compile(
    r"(?<!\w)(?:мо[йяёеюи]\w*\s+(?:\w+\s+)?(?:адрес|почт|ящик|e-?mail|имейл|емейл|мейл|email)\w*"
    r"|нов\w*\s+(?:\w+\s+)?(?:адрес|почт|ящик|e-?mail|имейл|емейл|мейл)\w*"
    r"|(?:пишите|напишите|пиши|отправьте|пришлите|присылайте|шлите)\s+(?:мне\s+)?(?:лучше\s+)?на\s+(?:мою|мой|новую|новый|личную|личный)"
    r"|(?:пишите|напишите|присылайте|пришлите)\s+мне\s+на"
    r"|мне\s+(?:лучше\s+)?(?:пишите|писать)\s+на"
    r"|(?:e-?mail|write to|reach|contact|message)\s+me\s+(?:at|on)"
    r"|my\s+(?:new\s+|personal\s+|work\s+|other\s+|current\s+|direct\s+|private\s+)?(?:e-?mail|address|inbox)"
    r"|new\s+(?:work\s+|personal\s+)?(?:e-?mail|address|inbox)"
    r"|moving to my)", re.IGNORECASE)
# someone else is named or described beside the address
_SOMEONE_ELSE = re.compile(
    r"(?<!\w)(?:коллег\w*|сотрудни\w*|менеджер\w*|маркетолог\w*|директор\w*|руководител\w*|бухгалтер\w*|"
    r"заместител\w*|партн[её]р\w*|отдел\w*|занимается|отвечает|решает|ведёт|ведет|к не(?:му|й)|"
    r"colleague\w*|manager\w*|partner\w*|team|department|owner|director|assistant|handles|runs|owns|"
    r"his|her|him|they|them)(?!\w)", re.IGNORECASE)
# a stop clause about the place, not the person
_PLACE = re.compile(
    r"(?<!\w)(?:сюда|здесь|тут|эт[оуаи]\w*|стар\w+|общ\w+|прежн\w+|рабоч\w+|личн\w+|приходск\w+|"
    r"почт\w*|адрес\w*|ящик\w*|e-?mail|имейл|номер\w*|here|this|that|old|address|inbox)(?!\w)", re.IGNORECASE)
_PERSON_WORDS = re.compile(r"(?<!\w)(?:меня|нас|нам|me|us)(?!\w)", re.IGNORECASE)
NOT_MOVED = frozenset({"opt_out", "not_interested", "bounce", "auto_reply", "restart"})


@dataclass(frozen=True)
class NewAddress:
    email: str
    stop_here: bool  # the client asked us to stop writing to the old address


def own_new_address(text: str, reading: Understanding, verdict: StopVerdict, current: str | None
                    ) -> NewAddress | None:
    """The client's own new email address, or None. `reading` is the rules-mode reading and
    `verdict` the stop outcome of the same text; `current` is the contact's email."""
    if reading.intent in NOT_MOVED or verdict.band == "certain":
        return None
    mine = own_words(text)
    emails = find_emails(mine)
    if len(emails) != 1 or find_telegram(mine) or find_phones(mine) or emails[0] == (current or "").lower():
        return None
    words = EMAIL_RE.sub(" ", mine)
    if not _MINE.search(words) or _SOMEONE_ELSE.search(words) or find_person_name(mine):
        return None
    if reading.referral is not None and reading.referral.name:
        return None
    if verdict.band == "none":  # «не пишите на этот адрес, пишите на новый» is read as "another channel"
        return NewAddress(emails[0], stop_here=any(s.defused_by == ANOTHER_CHANNEL for s in signals(mine)))
    if not verdict.beside_address:
        return None  # possible for another reason (the classifier, a stop phrase): a person decides
    for clause in verdict.beside_address:
        clause = EMAIL_RE.sub(" ", clause)
        if not _PLACE.search(clause) or (_PERSON_WORDS.search(clause) and not re.search(r"сюда|here", clause)):
            return None
    return NewAddress(emails[0], stop_here=True)


def without_move(text: str, email: str) -> str:
    """The message without the words that give the new address («пишите мне на новый адрес: …»), so
    the rest is read on its own: that «пишите» asks for the move, not for a letter later («ящик в
    декабре отключат, пишите мне на новый…» is not a pause until December)."""
    at = text.lower().find(email)
    if at < 0:
        return text
    said = list(_MINE.finditer(text[:at]))
    start = said[-1].start() if said else at
    return (text[:start] + " " + text[at + len(email):]).strip(" \t\n:—–-,.")
