"""Line patterns of quoted history in mail clients, Russian first: reply headers ("On … wrote:",
Gmail-RU «пн, 25 нояб. 2026 г. в 10:00, Анна <…>:», Yandex «25.11.2026, 10:00, "Анна" <…>:»,
Mail.ru «… от Анна <…>:», «написал(а):», Thunderbird «пишет:»), Outlook header blocks
(«От: / Отправлено: / Кому: / Тема:»), forward and original-message separators
(«-----Исходное сообщение-----»). Each check works on one line or a short joined window; every
pattern is anchored and bounded so a hostile line cannot make it slow."""

from __future__ import annotations

import re

MAX_HEADER_CHARS = 400  # a joined reply header longer than this is not one

_I = re.IGNORECASE
_VERBS = (
    r"wrote|writes|said|a\s+écrit|schrieb|ha\s+scritto|escribió|escreveu|schreef|skrev|kirjoitti|írta|"
    r"napisał\(a\)|napisała|napisał|написал\(а\)|написала|написал|написав|написала\(в\)|пишет|пише|"
    r"писал|写道"
)
# "… wrote:" / "… написал(а):" / "Max <m@x> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:"
VERB_HEADER = re.compile(rf"^.{{0,300}}?(?:{_VERBS})(?:\s.{{0,80}})?\s*[:：]\s*$", _I)
# Zoho: "---- On Wed, 24 Feb 2021 14:02:50 +0530 john@gmail.com wrote ----"
DASHED_HEADER = re.compile(rf"^-{{2,}}\s*.{{0,300}}?\b(?:{_VERBS})\s*-{{2,}}\s*$", _I)
# Date-led headers without a verb (Gmail-RU, Yandex, Mail.ru «от», ISO Gmail): a time, an address, a colon.
TIME = re.compile(r"\d{1,2}\s*[:.]\s*\d{2}")
ADDRESS_END = re.compile(r"@[^\s@]{1,255}\s*>?\s*>?\s*[:：]\s*$")
DATE_START = re.compile(
    r"^(?:\d{1,4}[./\-]\d{1,2}|\d{1,2}\s+\w{3,}|(?:пн|вт|ср|чт|пт|сб|вс|mon|tue|wed|thu|fri|sat|sun)\w*[.,]?\s)",
    _I,
)
# "2013/7/20 sam via Discourse Meta <info@discourse.org>" (no colon: only when quoted lines follow)
BARE_DATE_HEADER = re.compile(r"^\d{4}[/\-]\d{1,2}[/\-]\d{1,2}\s.{1,150}<[^<>\s]{1,200}@[^<>\s]{1,200}>\s*$")
START_TOKEN = re.compile(
    r"^(?:on|le|am|el|il|op|dnia|w\s+dniu|den|em|på|dne|в|во|\d|пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|"
    r"среда|четверг|пятница|суббота|воскресенье|-{2,})",
    _I,
)
STRONG_HINT = re.compile(r"@|\d{1,2}\s*:\s*\d{2}|\b(?:19|20)\d{2}\b|\bпользователь\b")

# Outlook / webmail header blocks, one field per line: "От: …", "*From:* …", "Отправлено: …".
_FIELDS = {
    "from": "from|von|de|da|från|van|od|от|от кого|від|fra|lähettäjä|发件人",
    "date": "sent|date|gesendet|datum|envoyé|enviado|fecha|inviato|data|skickat|verzonden|wysłano|"
    "отправлено|дата|надіслано|sendt|发送时间|日期",
    "to": "to|an|à|a|para|till|aan|do|кому|til|收件人",
    "subject": "subject|betreff|objet|asunto|oggetto|ämne|onderwerp|temat|тема|emne|主题",
    "cc": "cc|копия|kopie|抄送",
    "reply": "reply-to|risposta|antwort an|ответить",
}
_FIELD_RE = re.compile(  # at the start of the line: indented "To:" lines are summaries in notices
    r"^(?:\*\s*)?(" + "|".join(v for v in _FIELDS.values()) + r")\s*\*?\s*[:：]\s*\*?(?:\s|$)", _I
)
_FIELD_KIND = {name: kind for kind, names in _FIELDS.items() for name in names.split("|")}

_SEPARATOR_WORDS = (
    r"original message|original|forwarded message|message d'origine|message transféré|"
    r"ursprüngliche nachricht|weitergeleitete nachricht|mensaje original|mensaje reenviado|"
    r"messaggio originale|messaggio inoltrato|oorspronkelijk bericht|doorgestuurd bericht|"
    r"originalmeddelande|vidarebefordrat meddelande|wiadomość oryginalna|oryginalna wiadomość|"
    r"przekazana wiadomość|исходное сообщение|пересылаемое сообщение|перенаправленное сообщение|"
    r"пересланное сообщение|оригинальное сообщение|первоначальное сообщение|вихідне повідомлення|"
    r"переслане повідомлення"
)
SEPARATOR = re.compile(rf"^\s*[-_=*]{{2,}}\s*(?:{_SEPARATOR_WORDS})\s*[-_=*]*\s*$", _I)
FORWARD_INTRO = re.compile(
    r"^\s*(?:begin forwarded message|начало переадресованного сообщения|начало пересылаемого сообщения|"
    r"début du message réexpédié|anfang der weitergeleiteten nachricht)\s*[:：]?\s*$",
    _I,
)
RULE = re.compile(r"^\s*(?:[-_=~*]\s?){4,}\s*$|^\s*[_—–]{3,}\s*$")
SIGNATURE_DASHES = re.compile(r"^\s*--\s*$")


def field_kind(line: str) -> str | None:
    """The header-field kind of an Outlook-style header line ("От: …" → "from"), else None."""
    if len(line) > 1000:
        return None
    found = _FIELD_RE.match(line)
    return _FIELD_KIND.get(" ".join(found.group(1).lower().split())) if found else None


def is_reply_header(candidate: str) -> tuple[bool, bool]:
    """(matches, strong) for a joined candidate reply header. Weak matches count only when quoted
    lines follow them."""
    if len(candidate) > 4 * MAX_HEADER_CHARS:
        return False, False
    text = " ".join(candidate.split())
    if not text or len(text) > MAX_HEADER_CHARS or text.startswith(">"):
        return False, False
    if DASHED_HEADER.match(text):
        return True, True
    if VERB_HEADER.match(text):
        return True, bool(START_TOKEN.match(text) or STRONG_HINT.search(text))
    if ADDRESS_END.search(text) and (TIME.search(text) or DATE_START.match(text)):
        return True, True
    if BARE_DATE_HEADER.match(text):
        return True, False
    return False, False


def may_start_window(line: str) -> bool:
    """Whether a reply header may begin on this line and continue on the next ones."""
    text = line.strip()
    if not text or len(text) >= 200 or not any(char.isalnum() for char in text):
        return False
    return bool(START_TOKEN.match(text) or "<" in text or "@" in text)
