"""Property test: 500 malformed or hostile messages (broken MIME, wrong charsets, huge headers,
10 MB bodies, header injection in names) — each one is parsed or rejected with a reason; nothing
else ever comes out of `parse_message`, and parsed values stay safe to reuse in headers."""

from __future__ import annotations

import base64
import os

import pytest

if not os.environ.get("CI"):  # a dev dependency: in CI a missing hypothesis fails the run
    pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.email.parsing import EmailParseError, ParsedEmail, parse_message

CHARSETS = ["utf-8", "koi8-r", "windows-1251", "iso-8859-1", "utf-16", "x-unknown", "base64", "", "utf-7", "gb2312"]
RUSSIAN = "Добрый день! Пришлите презентацию. не пишите мне. Я в отпуске до 7 декабря."
TEN_MB = 10 * 1024 * 1024


def _encode(text: str, charset: str) -> bytes:
    try:
        return text.encode(charset)
    except (LookupError, UnicodeError):
        return text.encode("utf-8", "surrogatepass")


@st.composite
def header_values(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["text", "bytes", "encoded", "injection", "huge", "address"]))
    if kind == "text":
        return draw(st.text(max_size=80)).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=80))
    if kind == "encoded":
        charset = draw(st.sampled_from(CHARSETS))
        payload = draw(st.one_of(st.binary(max_size=40), st.just(_encode(RUSSIAN, charset or "utf-8"))))
        word = base64.b64encode(payload).decode() if draw(st.booleans()) else payload.hex()
        return f"=?{charset}?{draw(st.sampled_from('BbQqX'))}?{word}?=".encode()
    if kind == "injection":
        name = draw(st.sampled_from(["Иван\r\nBcc: victim@example.com", "a\nSubject: spam", "x\x00\r\n\r\nbody"]))
        word = base64.b64encode(name.encode()).decode()
        return draw(st.sampled_from([f"=?utf-8?b?{word}?= <ivan@romashka.ru>", f'"{name}" <a@b.c>'])).encode()
    if kind == "huge":
        return draw(st.sampled_from([b"a", b"<x@y>, ", b"=?utf-8?b?0J8=?= ", b"\xd0"])) * draw(st.integers(1000, 30_000))
    return draw(st.sampled_from([b"<>", b"<<a@b>>", b"a@b@c", b'"x" <A@B.RU>', b"undisclosed-recipients:;", b"@"]))


@st.composite
def bodies(draw: st.DrawFn) -> tuple[list[bytes], bytes]:
    kind = draw(st.sampled_from(["text", "multipart", "broken_multipart", "nested", "html", "report", "binary", "huge"]))
    charset = draw(st.sampled_from(CHARSETS))
    label = draw(st.sampled_from(CHARSETS))  # often not the charset the bytes are in
    text = draw(st.sampled_from([RUSSIAN, RUSSIAN + "\n\n> " + RUSSIAN, draw(st.text(max_size=300))]))
    cte = draw(st.sampled_from([b"8bit", b"base64", b"quoted-printable", b"x-uuencode", b"\xff"]))
    data = _encode(text, charset)
    if cte == b"base64" and draw(st.booleans()):
        data = base64.encodebytes(data)
    if kind == "text":
        return [b"Content-Type: text/plain; charset=" + label.encode(), b"Content-Transfer-Encoding: " + cte], data
    if kind == "html":
        html = b"<html><body><div>" + data + b"</div><blockquote>" + draw(st.binary(max_size=200)) + b"</body>"
        return [b"Content-Type: text/html; charset=" + label.encode()], html
    if kind in ("multipart", "broken_multipart", "nested"):
        boundary = draw(st.sampled_from([b"b1", b"", b"\"", b"--", b"x" * 200]))
        used = boundary if kind != "broken_multipart" else draw(st.sampled_from([b"other", b"b1--", b""]))
        part = b"--" + used + b"\nContent-Type: text/plain; charset=" + label.encode() + b"\n\n" + data + b"\n"
        inner = part * (40 if kind == "nested" else 1)
        if kind == "nested":
            inner = b"".join(b"--" + used + b"\nContent-Type: multipart/mixed; boundary=" + used + b"\n\n" for _ in range(30)) + inner
        return [b"Content-Type: multipart/alternative; boundary=\"" + boundary + b"\""], inner + b"--" + used + b"--\n"
    if kind == "report":
        report = (b"--r\nContent-Type: message/delivery-status\n\nFinal-Recipient: " + draw(st.binary(max_size=40))
                  + b"\nAction: " + draw(st.sampled_from([b"failed", b"delayed", b"", b"\xff"])) + b"\nStatus: "
                  + draw(st.binary(max_size=12)) + b"\n\n--r\nContent-Type: message/rfc822\n\n" + data + b"\n--r--\n")
        return [b"Content-Type: multipart/report; report-type=" + draw(st.sampled_from([b"delivery-status", b"disposition-notification", b"x"])) + b"; boundary=r"], report
    if kind == "binary":
        return [], draw(st.binary(max_size=2000))
    # a 10 MB body, now and then (slow to parse, so rare; not 0, which hypothesis favours)
    if draw(st.integers(0, 24)) == 13:
        return [b"Content-Type: text/plain; charset=utf-8"], (RUSSIAN.encode() + b"\n") * (TEN_MB // len(RUSSIAN.encode()))
    return [b"Content-Type: text/plain"], draw(st.sampled_from([b"x", b"> q\n", b"-- \n"])) * draw(st.integers(1000, 50_000))


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    names = [b"From", b"To", b"Subject", b"Message-ID", b"In-Reply-To", b"References", b"Date", b"Auto-Submitted",
             b"X-Failed-Recipients", b"Precedence", b"Return-Path", b"Cc", b"X-\xff\xfe", b"Bad Name", b""]
    fields = draw(st.lists(st.tuples(st.sampled_from(names), header_values()), max_size=12))
    extra, body = draw(bodies())
    newline = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    head = [name + b": " + value for name, value in fields] + extra
    if draw(st.booleans()):
        head.insert(0, b"From: " + draw(header_values()))
    return newline.join(head) + newline + newline + body.replace(b"\n", newline)


@settings(max_examples=500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(messages())
def test_hostile_messages_are_parsed_or_rejected_with_a_reason(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except EmailParseError as exc:
        reason = str(exc)
        assert reason and "\n" not in reason and "\r" not in reason
        return
    assert isinstance(parsed, ParsedEmail)
    for value in (parsed.from_name or "", parsed.subject, parsed.message_id or "", parsed.in_reply_to or "",
                  parsed.from_address or "", *parsed.to, *parsed.references, *parsed.bounce_recipients):
        assert "\r" not in value and "\n" not in value and "\x00" not in value
    assert parsed.from_address is None or parsed.from_address == parsed.from_address.lower()
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert set(parsed.flags) <= {"auto_reply", "bounce", "bounce_soft"}
    assert len(parsed.flags) <= 1
    assert len(parsed.text) <= 100_000
