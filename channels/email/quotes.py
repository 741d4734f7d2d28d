"""Split a reply into the client's new words and the rest (quoted history, forwarded messages,
signature). Lines are classified — text, quote (">"), reply header, delimiter — and the history is
cut where a client would start it: at the first original-message separator, Outlook header block,
"--" signature or reply header followed by unquoted text. Quoted blocks between the client's
paragraphs (bottom-posting, inline answers) are moved out and the client's paragraphs kept."""

from __future__ import annotations

import re
from dataclasses import dataclass

from channels.email import quote_patterns as qp
from channels.email import signatures
from channels.email.html_text import QUOTE_MARK

MAX_TEXT_CHARS = 100_000  # the client writes at the top; the rest of a huge body is history
MAX_HEADER_LINES = 5

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Reply:
    """The client's new words and what was taken out of the message around them."""

    text: str
    quoted: str
    history: bool  # quoted history or a forward was found (not just a signature)


def normalize(text: str) -> list[str]:
    """Lines without invisible marks, control characters or trailing spaces."""
    text = text[:MAX_TEXT_CHARS].replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    return [line.rstrip() for line in text.split("\n")]


def normalize_text(text: str) -> str:
    """`text` with normalised lines, stripped."""
    return "\n".join(normalize(text)).strip()


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _next_content(lines: list[str], start: int, limit: int = 6) -> int | None:
    """Index of the next non-empty line within `limit` lines, or None."""
    for index in range(start, min(len(lines), start + limit)):
        if lines[index].strip():
            return index
    return None


def _header_block_at(lines: list[str], start: int) -> bool:
    """Whether an Outlook-style header block ("From: / Sent: / To: / Subject:") starts here."""
    kinds: set[str] = set()
    gap = 0
    for line in lines[start : start + 12]:
        kind = qp.field_kind(line)
        if kind:
            kinds.add(kind)
            gap = 0
        elif line.strip() and kinds and gap == 0 and len(line) < 120:
            gap = 1  # a field value wrapped onto the next line
        else:
            break
    return len(kinds) >= 3 or (len(kinds) >= 2 and ("from" in kinds or "subject" in kinds))


def _reply_header_end(lines: list[str], start: int) -> tuple[int, bool] | None:
    """(end, strong) of a reply header beginning exactly at `start`, joining up to 5 lines."""
    first = lines[start]
    if not first.strip() or _is_quote(first):
        return None
    for size in range(1, MAX_HEADER_LINES + 1):
        window = lines[start : start + size]
        if len(window) < size or (size > 1 and (not window[-1].strip() or _is_quote(window[-1]))):
            return None
        if size > 1 and not qp.may_start_window(first):
            return None
        matches, strong = qp.is_reply_header(" ".join(window))
        if matches:
            return start + size, strong
    return None


def _quote_run_end(lines: list[str], start: int) -> int:
    """End of the quoted run (">" or "|" lines, blank lines between them) starting at `start`."""
    end = start
    index = start
    while index < len(lines):
        line = lines[index].lstrip()
        if line.startswith((">", "|")):
            end = index + 1
        elif line:
            break
        index += 1
    return end


def _signature_tail(lines: list[str], start: int) -> bool:
    """Whether the lines after a rule look like a short signature or a list footer."""
    count = 0
    for index in range(start, len(lines)):
        line = lines[index]
        if line.strip():
            count += 1
            if count > 12 or len(line) > 100:
                return False
    return count > 0


def _cut_index(lines: list[str], index: int) -> bool:
    """Whether everything from this line on is history, a forward or a signature."""
    line = lines[index]
    stripped = line.strip()
    if not stripped or _is_quote(line):
        return False
    if stripped == QUOTE_MARK or qp.SEPARATOR.match(line) or qp.FORWARD_INTRO.match(line):
        return True
    if qp.SIGNATURE_DASHES.match(line):
        return True
    if qp.RULE.match(line):
        following = _next_content(lines, index + 1, 4)
        return (following is not None and _header_block_at(lines, following)) or _signature_tail(
            lines, index + 1
        )
    return qp.field_kind(line) is not None and _header_block_at(lines, index)


def classify(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to the client's new words (True) or was taken out."""
    keep = [True] * len(lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        if _cut_index(lines, index):
            keep[index:] = [False] * (len(lines) - index)
            break
        header = _reply_header_end(lines, index)
        if header is not None:
            end, strong = header
            following = _next_content(lines, end, 50)
            quoted_next = following is not None and lines[following].lstrip().startswith((">", "|"))
            if following is not None and quoted_next:
                run_end = _quote_run_end(lines, following)
                keep[index:run_end] = [False] * (run_end - index)
                index = run_end
                continue
            if strong:  # the original follows unquoted: all of it is history
                keep[index:] = [False] * (len(lines) - index)
                break
        if _is_quote(line):
            keep[index] = False
        index += 1
    return keep


def _join(lines: list[str], mask: list[bool], wanted: bool) -> str:
    """The lines where mask == wanted; a blank line stands for each gap between kept runs."""
    out: list[str] = []
    gap = False
    for line, flag in zip(lines, mask, strict=True):
        if flag != wanted:
            gap = True
            continue
        if gap and out and out[-1].strip():
            out.append("")
        gap = False
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n").strip()


def extract_reply(text: str, sender_name: str | None = None) -> Reply:
    """The client's new words in a plain-text body, and the quoted history and signature taken out."""
    lines = normalize(text)
    keep = classify(lines)
    history = any(not flag and line.strip() for line, flag in zip(lines, keep, strict=True))
    kept = [i for i, flag in enumerate(keep) if flag]
    for index in signatures.signature_lines([lines[i] for i in kept], sender_name):
        keep[kept[index]] = False
    return Reply(text=_join(lines, keep, True), quoted=_join(lines, keep, False), history=history)
