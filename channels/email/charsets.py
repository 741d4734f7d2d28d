"""Bytes to text for mail in the wild: the declared charset when it is right, and a guess when it is
missing, unknown or wrong (Russian mail often labels windows-1251 as koi8-r or latin-1, or sends
UTF-8 labelled as something else). Never raises."""

from __future__ import annotations

import codecs

_CYRILLIC_CODECS = ("cp1251", "koi8_r")
_CYRILLIC_FAMILY = frozenset({"cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic"})
_LATIN_FAMILY = frozenset({"latin_1", "iso8859_1", "cp1252", "iso8859_15", "ascii"})
_UNICODE_FAMILY = frozenset({"utf_8", "utf_8_sig"})
_FORBIDDEN = frozenset({"undefined", "idna", "punycode", "unicode_escape", "raw_unicode_escape"})
_ALIASES = {
    "win-1251": "cp1251",
    "windows1251": "cp1251",
    "x-cp1251": "cp1251",
    "cp-1251": "cp1251",
    "win1251": "cp1251",
    "x-mac-cyrillic": "mac_cyrillic",
    "koi8r": "koi8_r",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
_COMMON_RU = frozenset("оеаинтсрвлкмдпуяызбгчйхжшюцщэфъё")
SAMPLE_BYTES = 65_536  # enough to tell the charsets apart; scoring the whole body is slow


def codec_name(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when it is missing or not a text codec."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()[:40]
    label = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _FORBIDDEN:
        return None
    return info.name.replace("-", "_")


def russian_score(text: str) -> int:
    """How much `text` looks like correctly decoded Russian: frequent lowercase letters count up,
    capitals down (a koi8-r/windows-1251 mix-up turns lowercase text into capitals)."""
    score = 0
    for char in text:
        if char in _COMMON_RU:
            score += 1
        elif "А" <= char <= "Я" or char == "Ё":
            score -= 1
    return score


def _high_byte_ratio(data: bytes) -> float:
    data = data[:SAMPLE_BYTES]
    letters = sum(1 for b in data if b >= 0x80 or (0x41 <= b <= 0x5A) or (0x61 <= b <= 0x7A))
    high = sum(1 for b in data if b >= 0x80)
    return high / letters if letters else 0.0


def _best_cyrillic(data: bytes) -> tuple[str, int]:
    decoded = [data.decode(name, "replace") for name in _CYRILLIC_CODECS]
    scores = [russian_score(text[:SAMPLE_BYTES]) for text in decoded]
    best = max(range(len(decoded)), key=lambda i: scores[i])
    return decoded[best], scores[best]


def _utf8(data: bytes) -> str | None:
    """Strict UTF-8, allowing a character cut in two at the very end (a truncated body)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3 and error.reason == "unexpected end of data":
            return data[: error.start].decode("utf-8", "replace")
        return None


def guess(data: bytes) -> str:
    """Decode bytes with no usable charset label: UTF-8, else Cyrillic single-byte, else cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    text = _utf8(data)
    if text is not None:
        return text
    if _high_byte_ratio(data) > 0.3:
        cyrillic, score = _best_cyrillic(data)
        if score > 0:
            return cyrillic
    return data.decode("cp1252", "replace")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode a body or header chunk, trusting the label only as far as the bytes agree with it."""
    if not data:
        return ""
    codec = codec_name(charset)
    if data.isascii() and (codec is None or not codec.startswith(("utf_16", "utf_32"))):
        return data.decode("ascii")
    if codec is None or codec in _UNICODE_FAMILY:
        return guess(data)
    utf8 = _utf8(data)
    if utf8 is not None and (codec in _CYRILLIC_FAMILY or codec in _LATIN_FAMILY):
        return utf8  # non-ASCII that is valid UTF-8 is practically never an accident
    try:
        text = data.decode(codec, "replace")
    except Exception:  # a codec that fails even with errors="replace"
        return guess(data)
    if codec in _CYRILLIC_FAMILY:
        cyrillic, score = _best_cyrillic(data)
        if score > russian_score(text[:SAMPLE_BYTES]) + 3:
            return cyrillic
    elif codec in _LATIN_FAMILY and _high_byte_ratio(data) > 0.4:
        cyrillic, score = _best_cyrillic(data)
        if score > 3:
            return cyrillic
    return text
