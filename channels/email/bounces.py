"""Bounces (delivery failures) and how bad they are. RFC 3464 delivery-status reports are read field
by field; other bounces (qmail, Exim, Exchange, Gmail, Mail.ru, Yandex texts) are recognised from a
mailer-daemon sender, `X-Failed-Recipients`, the subject and the wording of the notice. A bounce
is soft when every failure is temporary (4.x.x, a delayed-delivery warning) or a full mailbox
(5.2.2); otherwise it is hard."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser

from channels.email import headers as h
from channels.email import mime

_I = re.IGNORECASE
_DAEMON = re.compile(r"^(?:mailer-daemon|mailerdaemon|mail-daemon|postmaster|mdaemon|bounces?)(?:[+@]|$)", _I)
_DAEMON_NAME = re.compile(r"mail delivery (?:system|subsystem)|internet mail delivery|mailer.daemon", _I)
_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery status notification \((?:failure|delay)\)|delivery (?:has )?fail|"
    r"failure notice|failure delivery|failed delivery|mail delivery failed|returned mail|returned to sender|"
    r"message delayed|delayed mail|warning: message .{0,40} delayed|delivery notification|non[- ]?delivery|"
    r"could not be delivered|mail failure|unzustellbar|nicht zustellbar|non remis|non recapitabile|"
    r"no se puede entregar|niedostarczalna|недоставленное сообщение|не доставлено|недоставлено|"
    r"не удается доставить|не удалось доставить|ошибка доставки",
    _I,
)
_BODY = re.compile(
    r"could not be delivered|couldn'?t be delivered|wasn'?t able to deliver|unable to deliver|"
    r"delivery (?:to the following recipients? )?(?:has )?failed|failed permanently|permanent (?:fatal )?error|"
    r"following address(?:\(es\)|es)? failed|did not reach the following recipient|has not yet been delivered|"
    r"user unknown|unknown user|no such user|mailbox (?:unavailable|is full|full|not found)|quota exceeded|"
    r"recipient address rejected|address rejected|does not exist|not found at the destination|"
    r"had delivery problems|failed addresses follow|delivery attempts will continue|"
    r"не может быть доставлено|не удалось доставить|не доставлено|не существует|переполнен|"
    r"не удается доставить|сообщение не доставлено|письмо не доставлено",
    _I,
)
_PERSON_SUBJECT = re.compile(r"^\s*(?:re|fwd?|aw|wg|tr|sv|rv|отв|ответ|пересл|fw)\s*(?:\[\d+\])?\s*[:：]", _I)
_DELAY = re.compile(
    r"\bdelayed\b|has not yet been delivered|will (?:continue to )?retry|delivery attempts will continue|"
    r"temporar|задерж|повтор", _I
)
_FULL = re.compile(r"mailbox (?:is )?full|quota|over ?quota|exceed\w* (?:their |the )?(?:storage|quota)|"
                   r"переполнен|превышен", _I)
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_ORIGINAL_MARK = re.compile(
    r"^\s*(?:[-|]{2,}.{0,30}(?:copy of (?:the |your )?message|original message|unsent message|"
    r"message (?:header|headers|text) follows|копия (?:вашего )?сообщения|исходное сообщение)"
    r"|original message headers\s*:|-{2,}\s*original message follows)",
    _I | re.MULTILINE,
)
_INLINE_HEADERS = re.compile(r"^(?:Return-Path|Received|Delivered-To):\s", re.MULTILINE)
_ADDRESS = re.compile(r"[A-Za-z0-9][\w.+'=-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}")
_ROUTING_PREFIX = re.compile(r"^(?:smtp|rfc822)[=:]")  # Exchange "dda:SMTP=user@host"
_SUMMARY_LINE = re.compile(r"^\s*(?:to|from|cc|sent|subject|reply-to|кому|от|копия)\s*:", _I)
_MESSAGE_ID = re.compile(r"^message-id:\s*(<[^<>\s]{1,900}>)", _I | re.MULTILINE)
_SOFT_STATUSES = frozenset({"5.2.2"})


@dataclass
class Bounce:
    """A delivery failure: who failed, how, and which of our messages it was."""

    soft: bool
    recipients: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    original_message_id: str | None = None


@dataclass
class _Report:
    failed: list[tuple[str | None, str, str]]  # (recipient, action, status)
    found: bool


def split_notice(text: str) -> tuple[str, str]:
    """(the notice, the copy of the original message below it) of a bounce's text."""
    mark = _ORIGINAL_MARK.search(text)
    inline = _INLINE_HEADERS.search(text)
    cuts = [m.start() for m in (mark, inline) if m is not None]
    if not cuts:
        return text.strip(), ""
    cut = min(cuts)
    return text[:cut].strip(), text[cut:].strip()


def _report(msg: Message) -> _Report:
    """Per-recipient fields of the delivery-status parts."""
    failed: list[tuple[str | None, str, str]] = []
    found = False
    for part in mime.walk(msg):
        if mime.content_type(part) != "message/delivery-status":
            continue
        found = True
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        if not blocks:
            text = mime.part_text(part)
            blocks = [HeaderParser().parsestr(chunk) for chunk in re.split(r"\n\s*\n", text.strip())[:50]]
        for block in blocks[:50]:
            if not isinstance(block, Message):
                continue
            action = h.header_text(block, "action").lower()
            status = h.header_text(block, "status")
            candidates = [h.header_text(block, "original-recipient"), h.header_text(block, "final-recipient")]
            if not (action or any(candidates)):
                continue
            addresses = [h.clean_address(c.split(";", 1)[-1]) for c in candidates if c]
            address = next((a for a in addresses if a), None)  # what we addressed, else where it ended
            match = _STATUS.search(status)
            failed.append((address, action, match.group(0) if match else ""))
    return _Report(failed=failed, found=found)


def _is_daemon(msg: Message, from_address: str | None, from_name: str | None) -> bool:
    return_path = h.header_text(msg, "return-path").strip().lower()
    return bool(
        (from_address and _DAEMON.match(from_address))
        or (from_name and _DAEMON_NAME.search(from_name))
        or return_path in ("<>", "<mailer-daemon>", "mailer-daemon")
    )


def _attached_original(msg: Message) -> Message | None:
    for part in mime.walk(msg, into_messages=True):
        kind = mime.content_type(part)
        payload = part.get_payload()
        if kind == "message/rfc822" and isinstance(payload, list) and payload:
            inner = payload[0]
            return inner if isinstance(inner, Message) else None
        if kind == "text/rfc822-headers":
            return HeaderParser().parsestr(mime.part_text(part)[:200_000])
    return None


def _text_recipients(notice: str, exclude: set[str]) -> list[str]:
    found: list[str] = []
    for line in notice.splitlines()[:400]:
        if _SUMMARY_LINE.match(line):
            continue
        for address in _ADDRESS.findall(line[:2000]):
            address = _ROUTING_PREFIX.sub("", address.lower())
            if address not in exclude and not _DAEMON.match(address) and address not in found:
                found.append(address)
    return found[:20]


def detect(msg: Message, from_address: str | None, from_name: str | None, subject: str, text: str) -> Bounce | None:
    """The bounce this message reports, or None when it is not a bounce."""
    report = _report(msg)
    is_report = mime.content_type(msg) == "multipart/report" and mime.param(msg, "report-type") == "delivery-status"
    failures = [f for f in report.failed if f[1].startswith(("failed", "delayed"))]
    failed_header = h.header_text(msg, "x-failed-recipients")
    notice, copy = split_notice(text)
    daemon = _is_daemon(msg, from_address, from_name)
    wording = bool(_BODY.search(notice[:20_000]))
    by_subject = bool(_SUBJECT.search(subject))
    by_person = bool(_PERSON_SUBJECT.match(subject))  # "Fwd: Undeliverable: …" from a person
    if not (
        failures or is_report or failed_header or (daemon and (wording or by_subject))
        or (by_subject and wording and not by_person)
    ):
        return None
    if report.found and report.failed and not failures:
        return None  # a success notification (delivered / relayed / expanded)

    original = _attached_original(msg)
    exclude = {a for a in (from_address, *h.address_list(msg, "to", "cc")) if a}
    recipients = [a for a, _action, _status in failures if a]
    recipients += [a for a in h.address_list(msg, "x-failed-recipients") if a not in recipients]
    if not recipients:
        recipients = _text_recipients(notice, exclude)
    if not recipients and original is not None:
        recipients = h.address_list(original, "to")
    statuses = [s for _a, _action, s in failures if s] or [
        ".".join(m) for m in _STATUS.findall(notice[:20_000]) if m[0] in "45"
    ]

    return Bounce(
        soft=_is_soft(failures, statuses, subject, notice),
        recipients=recipients,
        statuses=list(dict.fromkeys(statuses)),
        original_message_id=_original_id(msg, original, copy),
    )


def _is_soft(failures: list[tuple[str | None, str, str]], statuses: list[str], subject: str, notice: str) -> bool:
    if failures and all(action.startswith("delayed") for _a, action, _s in failures):
        return True
    if statuses:
        return all(s.startswith("4") or s in _SOFT_STATUSES for s in statuses)
    if _FULL.search(notice):
        return True
    return bool(_DELAY.search(subject) or (_DELAY.search(notice) and not re.search(r"permanent", notice, _I)))


def _original_id(msg: Message, original: Message | None, copy: str) -> str | None:
    if original is not None:
        found = h.message_id(original)
        if found:
            return found
    match = _MESSAGE_ID.search(copy[:200_000])
    if match:
        return match.group(1)
    return h.message_id(msg, "in-reply-to")
