"""Signatures at the end of the client's words: mobile-client lines («Отправлено с iPhone»,
"Sent from my BlackBerry", "Get Outlook for iOS") anywhere, and a closing block — a valediction
(«С уважением,», "Best regards,") or the sender's own name followed by name, title, company and
contact lines. A valediction followed only by a first name stays (it is part of how people write),
unless the name is the sender's."""

from __future__ import annotations

import re

from agent.understanding.entities import FORMAL_VALEDICTIONS

_I = re.IGNORECASE
_MOBILE_LEAD = re.compile(
    r"^\s*(?:sent|envoyé|gesendet|enviado|inviato|verzonden|skickat|wysłane|wysłano|отправлено|"
    r"надіслано|sendt|lähetetty)\s+(?:from|with|via|by|using|on|depuis|avec|von|mit|desde|con|da|met|"
    r"från|med|z|ze|с|со|из|через|з|fra)\s+(?P<rest>.{1,120})$",
    _I,
)
_MOBILE_OTHER = re.compile(
    r"^\s*(?:get\s+\[?outlook\s+for\s+(?:ios|android).*"
    r"|von\s+meine[mr]?\s+.{1,40}\s+gesendet\.?"
    r"|diese\s+nachricht\s+wurde\s+von\s+.{1,80}\s+gesendet\.?"
    r"|from\s+my\s+(?:iphone|ipad|android|mobile|phone|smartphone|galaxy|blackberry)\b.{0,20}"
    r"|[\w .-]{1,30}\s+from\s+mobile\.?"
    r"|<<\s*sent\s+(?:by|from|with)\s+.{1,40}>>"
    r"|\(\s*sent\s+(?:from|by|with|via)\s+.{1,40}\)"
    r"|從我的.{1,30}傳送|发自我的.{1,30}"
    r"|(?:отправлено|создано)\s+(?:из|с|со|в)\s+(?:мобильн|приложени|почты|яндекс|mail).{0,60})\s*$",
    _I,
)
_DEVICE_TAIL = re.compile(r",|\.(?:\s|$)|<|\(|\[|\s-\s")
_APOLOGY = re.compile(r"excuse|pardon|sorry|typo|brevity|извин|прост|опечат", _I)
_VALEDICTION = re.compile(
    rf"^\s*(?:{FORMAL_VALEDICTIONS}|всего\s+хорошего|хорошего\s+дня|"
    r"с\s+благодарностью|заранее\s+спасибо|спасибо|благодарю|"
    r"warm\s+regards|best\s+wishes|thanks|thank\s+you|many\s+thanks|"
    r"yours\s+(?:truly|sincerely)|mit\s+freundlichen\s+grüßen|viele\s+grüße|cordialement|saludos|"
    r"pozdrawiam|з\s+повагою|дякую)[\s,.!]*(?:,\s*(?P<signed>[^\W\d_][^,.!?]{0,60}))?[.!]?\s*$",
    _I,
)
_CONTACT = re.compile(
    r"@|https?://|www\.|\+?\d[\d\s()\-.]{6,}\d|\b(?:tel|тел|моб|mob|phone|телефон|skype|telegram)\b", _I
)
_SENTENCE_END = re.compile(r"[.!?…:]\s*$")
_NAME = re.compile(r"^(?:[A-ZА-ЯЁ][\w'’.-]*\.?\s*){1,4}$")
MAX_TAIL_LINES = 8


def is_mobile_signature(line: str) -> bool:
    """«Отправлено с iPhone», "Sent from my Galaxy, please excuse typos" — not "Sent from my desk, is…"."""
    if len(line) > 200:
        return False
    if _MOBILE_OTHER.match(line):
        return True
    found = _MOBILE_LEAD.match(line)
    if not found:
        return False
    rest = found.group("rest")
    cut = _DEVICE_TAIL.search(rest)
    head, tail = (rest[: cut.start()], rest[cut.start() :]) if cut else (rest, "")
    if len(head.split()) > 8:
        return False
    tail = tail.strip(" ,.-")
    return not tail or tail[0] in "<([" or tail.startswith("http") or bool(_APOLOGY.search(tail))


def _name_tokens(sender_name: str | None) -> set[str]:
    if not sender_name:
        return set()
    words = re.findall(r"[^\W\d_]{2,}", sender_name.lower())
    return set(words)


def _is_name_line(line: str, tokens: set[str]) -> bool:
    words = re.findall(r"[^\W\d_]+", line.lower())
    return bool(tokens) and 0 < len(words) <= 4 and all(word in tokens for word in words)


def _signature_like(line: str) -> bool:
    """A short line that is not a sentence: a name, a title, a company, a phone or an address."""
    text = line.strip()
    if _CONTACT.search(text):
        return len(text) <= 120
    return len(text) <= 80 and len(text.split()) <= 8 and not _SENTENCE_END.search(text)


def _starts_signature(line: str, tokens: set[str]) -> bool:
    """A signature under a valediction opens with a name («Иван Петров») or a contact line."""
    text = line.strip()
    return _is_name_line(text, tokens) or bool(_NAME.match(text)) or bool(_CONTACT.search(text))


def _closing_block(lines: list[str], content: list[int], tokens: set[str]) -> int | None:
    """Index in `lines` where the closing block starts, or None."""
    tail = content[-(MAX_TAIL_LINES + 1) :]
    for position, index in enumerate(tail):
        after = [lines[i] for i in tail[position + 1 :]]
        if not all(_signature_like(line) for line in after):
            continue
        line = lines[index]
        valediction = _VALEDICTION.match(line)
        if valediction and valediction.group("signed"):  # «С уважением, Иван Петров»
            if _is_name_line(valediction.group("signed"), tokens):
                return index
        elif valediction and index != content[0] and after and _starts_signature(after[0], tokens):
            named = any(_is_name_line(text, tokens) for text in after)
            if named or len(after) >= 2 or any(_CONTACT.search(text) for text in after):
                return index
        if _is_name_line(line, tokens) and index != content[0]:
            return index
    return None


def signature_lines(lines: list[str], sender_name: str | None = None) -> list[int]:
    """Indices of signature lines in the client's words: mobile lines and the closing block."""
    removed = [i for i, line in enumerate(lines) if is_mobile_signature(line)]
    mobile = set(removed)
    content = [i for i, line in enumerate(lines) if line.strip() and i not in mobile]
    if len(content) >= 2:
        start = _closing_block(lines, content, _name_tokens(sender_name))
        if start is not None:
            removed.extend(i for i in range(start, len(lines)) if i not in mobile)
    return sorted(set(removed))
