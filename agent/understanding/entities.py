"""Contact details in a client's message: emails, Telegram handles, phones, a referred person.

Pure functions over the text. Names come back in nominative («напишите Ольге Смирновой» →
«Ольга Смирнова»), phones as +7XXXXXXXXXX, Telegram handles as «@name».
"""

from __future__ import annotations

import re

from agent.understanding.calendar_ru import words
from agent.understanding.names_ru import looks_like_surname, lookup_first_name, nominative_word
from agent.understanding.schema import Person

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[\w-]+\.)+(?:[a-z]{2,}|рф)\b", re.IGNORECASE)
TG_LINK_RE = re.compile(r"(?:https?://)?(?:t|telegram)\.me/([a-z][a-z0-9_]{4,31})\b", re.IGNORECASE)
TG_HANDLE_RE = re.compile(r"(?<![\w.@/])@([a-z][a-z0-9_]{4,31})\b(?!\.[a-z]|@)", re.IGNORECASE)
PHONE_RE = re.compile(
    r"(?<![\d+])(?:(?:\+7|8|7)[\s\-.]*\(?\d{3}\)?|\(\d{3}\))[\s\-.]*\d{3}[\s\-.]*\d{2}[\s\-.]*\d{2}(?!\d)"
    r"|(?<![\d+])\d{3}[\s\-]\d{3}[\s\-]\d{2}[\s\-]\d{2}(?!\d)"
)

# Words after which the next capitalised words are the person we are referred to.
_TRIGGER = re.compile(
    r"занима\w*|отвечает|ответственн\w*|обрати\w*|напиши\w*|пиши\w*|свяжи\w*|свяжут\w*|контакт\w*|"
    r"перешл\w*|передам|передал\w*|переадрес\w*|спросите|позвоните|звоните|лучше\s+к|вопрос\w*\s+к|"
    r"маркетолог\w*|директор\w*|руководител\w*|менеджер\w*|специалист\w*|управляющ\w*|заместител\w*|"
    r"коллег\w*|ведет|курирует|решает|принимает|contact|reach\s+out|talk\s+to|speak\s+(?:to|with)|write\s+to|"
    r"handles|in\s+charge|responsible|manager|director|head\s+of|cmo|ceo",
    re.IGNORECASE,
)
# Formal closings that open a signature block; the email channel's signature cutter adds the
# informal ones («спасибо», "thanks") on top of this list.
FORMAL_VALEDICTIONS = (r"с\s+уважением|с\s+наилучшими\s+пожеланиями|всего\s+доброго|best\s+regards|kind\s+regards|"
                       r"regards|sincerely|cheers")
_SIGNATURE = re.compile(rf"(?:{FORMAL_VALEDICTIONS}|--)\s*,?\s*(?:\n|$)", re.IGNORECASE)
_WORD = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?|[A-Z][a-z]+(?:-[A-Z][a-z]+)?")
_EN_NOT_NAMES = frozenset(
    words(
        "I Hi Hello Dear Please Thanks Thank Our The We She He They This That It Our Your You Yes No Ok "
        "Regards Best Kind Mr Mrs Ms Dr Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
        "Mondays Tuesdays Wednesdays Thursdays Fridays Saturdays Sundays Christmas Easter Today Tomorrow "
        "January February March April May June July August September October November December "
        "Google Yandex Telegram Email Napoleon IT CRM API Marketing Sales Head Manager Director"
    )
)
_ROLE = re.compile(
    r"\b(?P<adj>(?:генеральн|коммерческ|исполнительн|техническ|финансов|операционн)\w*\s+)?"
    r"(?P<noun>директор|маркетолог|руководител|менеджер|специалист|управляющ|заместител|коллег|"
    r"pr-менеджер|smm-менеджер|бренд-менеджер|владел|отдел)(?P<end>\w*)"
    r"(?P<tail>\s+(?:по|отдела|направления|службы)\s+[а-яё-]+(?:\s+и\s+[а-яё-]+)?)?(?P<dept>\s+[а-яё-]+)?"
    r"|\b(?P<en>(?:head\s+of\s+\w+|marketing\s+(?:manager|director|lead)|cmo|ceo|coo|cto|"
    r"(?:sales|brand|pr|smm)\s+manager))\b",
    re.IGNORECASE,
)
_ROLE_NOMINATIVE = {
    "директор": "директор", "маркетолог": "маркетолог", "руководител": "руководитель",
    "менеджер": "менеджер", "специалист": "специалист", "управляющ": "управляющий",
    "заместител": "заместитель", "коллег": "коллега", "pr-менеджер": "pr-менеджер",
    "smm-менеджер": "smm-менеджер", "бренд-менеджер": "бренд-менеджер", "владел": "владелец",
    "отдел": "отдел",
}  # fmt: skip


def find_emails(text: str) -> list[str]:
    """Email addresses, lower-cased, in order of appearance, without duplicates."""
    return list(dict.fromkeys(m.group().lower().rstrip(".") for m in EMAIL_RE.finditer(text)))


def find_telegram(text: str) -> list[str]:
    """Telegram handles from «@name» and t.me links, as «@name» (5–32 chars, Telegram's rule)."""
    found = [(m.start(), m.group(1)) for m in TG_LINK_RE.finditer(text)]
    found += [(m.start(), m.group(1)) for m in TG_HANDLE_RE.finditer(text)]
    return list(dict.fromkeys("@" + name for _, name in sorted(found)))


def normalize_phone(raw: str) -> str | None:
    """+7XXXXXXXXXX for a Russian number written in any usual way, else None."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10:
        return "+7" + digits
    return None


def find_phones(text: str) -> list[str]:
    """Russian phone numbers normalised to +7XXXXXXXXXX (10-digit ones only when written with separators)."""
    out = [normalize_phone(m.group()) for m in PHONE_RE.finditer(text)]
    return list(dict.fromkeys(p for p in out if p))


def _without_addresses(text: str) -> str:
    for pattern in (EMAIL_RE, TG_LINK_RE, TG_HANDLE_RE, PHONE_RE):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def _body_end(text: str) -> int:
    """Where the signature starts (names after it are the sender's), or the end of the text."""
    found = _SIGNATURE.search(text)
    return found.start() if found else len(text)


def _russian_name_at(words: list[re.Match[str]], index: int, text: str) -> tuple[str, int] | None:
    """A Russian name starting at words[index] (first name, then patronymic/surname), nominative."""
    readings = lookup_first_name(words[index].group())
    if not readings:
        return None
    followers: list[str] = []
    end = words[index].end()
    for follower in words[index + 1 : index + 3]:
        if not re.fullmatch(r"[ \t]+", text[end : follower.start()]) or lookup_first_name(follower.group()):
            break
        followers.append(follower.group())
        end = follower.end()
    if not followers and index > 0:  # «Смирнова Ольга»: surname first
        before = words[index - 1]
        gap = text[before.end() : words[index].start()]
        if re.fullmatch(r"[ \t]+", gap) and looks_like_surname(before.group()):
            followers.append(before.group())
    best: list[str] = []
    for nominative, gender, cases in readings:  # the reading that de-inflects the surname wins
        first = words[index].group() if "nom" in cases else nominative
        parts = [first, *(nominative_word(word, gender, cases) for word in followers)]
        if not best or (parts[1:] != followers and best[1:] == followers):
            best = parts
    return " ".join(best), words[index].start()


def _english_name_at(words: list[re.Match[str]], index: int, text: str) -> tuple[str, int] | None:
    word = words[index].group()
    if not word.isascii() or word in _EN_NOT_NAMES:
        return None
    parts, end = [word], words[index].end()
    if index + 1 < len(words):
        follower = words[index + 1]
        if (
            follower.group().isascii()
            and follower.group() not in _EN_NOT_NAMES
            and re.fullmatch(r" ", text[end : follower.start()])
        ):
            parts.append(follower.group())
    return " ".join(parts), words[index].start()


def find_person_name(text: str) -> str | None:
    """The name of the person the client points to: nearest after a trigger word, then nearest to an
    address the message gives («Игорь на связи. … Дарья Кононова, d.kononova@…»), outside the signature."""
    clean = _without_addresses(text)[: _body_end(text)]
    words = list(_WORD.finditer(clean))
    triggers = [m.end() for m in _TRIGGER.finditer(clean)]
    addresses = [m.start() for pattern in (EMAIL_RE, TG_LINK_RE, TG_HANDLE_RE, PHONE_RE) for m in pattern.finditer(text)]
    candidates: list[tuple[int, int, int, str]] = []  # (to the trigger before it, to an address, position, name)
    for index in range(len(words)):
        found = _russian_name_at(words, index, clean)
        english = False
        if found is None:
            found, english = _english_name_at(words, index, clean), True
        if found is None:
            continue
        name, start = found
        before = [t for t in triggers if t <= start]
        distance = start - before[-1] if before else 10_000
        if english and distance > 40:
            continue  # capitalised English words are only a name right after a trigger
        to_address = min((abs(a - start) for a in addresses), default=0)
        candidates.append((distance, to_address, start, name))
    if not candidates:
        return None
    return min(candidates)[3]


def _plural_colleagues(found: re.Match[str]) -> bool:
    """«Коллеги, добрый день»: a greeting, not a person."""
    noun = (found.group("noun") or "").lower()
    return noun == "коллег" and found.group("end").lower() in ("и", "ам", "ами", "ах")


def find_role(text: str) -> str | None:
    """The referred person's role in nominative («директору по маркетингу» → «директор по маркетингу»)."""
    found = next((m for m in _ROLE.finditer(text) if not _plural_colleagues(m)), None)
    if not found:
        return None
    if found.group("en"):
        return found.group("en").lower()
    noun = _ROLE_NOMINATIVE[found.group("noun").lower()]
    adjective = ""
    if found.group("adj"):
        stem = re.sub(r"(?:ому|ого|ым|им|ом|ий|ый)$", "", found.group("adj").strip().lower())
        adjective = stem + ("ий" if stem[-1] in "кгхчшщж" else "ый") + " "
    tail = (found.group("tail") or "").strip().lower()
    if noun == "отдел" and not tail:  # «отдел маркетинга», «отделу продаж»
        tail = (found.group("dept") or "").strip().lower()
    return f"{adjective}{noun}{' ' + tail if tail else ''}"


def extract_person(text: str) -> Person | None:
    """The person a message names with whatever addresses it gives; None when there is neither."""
    emails, handles, phones = find_emails(text), find_telegram(text), find_phones(text)
    name = find_person_name(text)
    if not (name or emails or handles or phones):
        return None
    return Person(
        name=name,
        email=emails[0] if emails else None,
        telegram=handles[0] if handles else None,
        phone=phones[0] if phones else None,
        role=find_role(text),
    )


_OWN_CUE = re.compile(r"\b(?:мой|моя|мне|меня|мною|я|my|me|i)\b|\b(?:пишите|напишите|лучше|удобнее|быстрее|"
                      r"write|text|message|dm|ping)\b[^.!?\n]{0,30}\b(?:телеграм\w*|телеграмм\w*|тг|телеге|telegram|tg)\b",
                      re.IGNORECASE)


def own_telegram(text: str) -> str | None:
    """The client's own Telegram handle when they offer it for the conversation («мой телеграм
    @ivan», «лучше пишите в тг @ivan»): one handle, with a first-person cue or a wish to be written
    to there. A handle next to someone else's name is a referral, read elsewhere."""
    handles = find_telegram(text)
    if len(handles) != 1 or not _OWN_CUE.search(text):
        return None
    return handles[0]
