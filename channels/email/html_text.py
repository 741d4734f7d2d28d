"""HTML mail bodies to plain text, the way a mail client shows them as text: block elements become
lines, `<blockquote>` and the known quote containers (Gmail, Yahoo, Apple, Thunderbird) become
"> " lines, and the Outlook reply header container becomes a quote marker line, so the plain-text
reply extractor handles HTML-only replies exactly like text ones."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MAX_HTML_CHARS = 500_000  # the client writes at the top; below is history and markup
QUOTE_MARK = "\ue000"  # a line holding only this starts quoted history (private-use character)

_BLOCK = frozenset({
    "address", "article", "aside", "center", "dd", "div", "dl", "dt", "fieldset", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre"})
_SKIP = frozenset({"script", "style", "title", "template", "noscript", "xml", "svg", "object", "iframe"})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
})
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "protonmail_quote", "zmail_extra")
_REPLY_HEADER_IDS = ("divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLANKS = re.compile(r"\n{3,}")


class _Converter(HTMLParser):
    """Collects `lines`; quote depth prefixes each line with "> " per level."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._buffer: list[str] = []
        self._line_depth = 0
        self._depth = 0  # quote nesting
        self._skip = 0
        self._pre = 0
        self._stack: list[tuple[str, bool]] = []  # (tag, opened a quote)

    def _flush(self, hard: bool = False) -> None:
        text = "".join(self._buffer)
        text = text.rstrip() if self._pre else text.strip()
        if text or hard:
            self.lines.append("> " * self._line_depth + text if text else ">" * self._depth)
        self._buffer = []
        self._line_depth = self._depth

    def _paragraph(self) -> None:
        self._flush()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(">" * self._depth)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
            return
        if tag == "br":
            self._flush(hard=True)
            return
        values = {name: (value or "").lower() for name, value in attrs}
        if values.get("id", "") in _REPLY_HEADER_IDS:
            self._flush()
            self.lines.append(QUOTE_MARK)
        if tag in _BLOCK or tag == "blockquote":
            self._paragraph() if tag in _PARAGRAPH else self._flush()
        if tag in _VOID:
            return
        classes = values.get("class", "")
        quote = tag == "blockquote" or (tag == "div" and any(name in classes for name in _QUOTE_CLASSES))
        if quote:
            self._depth += 1
            self._line_depth = self._depth
        if tag == "pre":
            self._pre += 1
        self._stack.append((tag, quote))

    def close(self) -> None:
        super().close()
        self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._flush(hard=True)
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if tag not in (name for name, _ in self._stack):
            return
        while self._stack:
            name, quote = self._stack.pop()
            if name in _PARAGRAPH or quote:
                self._paragraph()
            elif name in _BLOCK:
                self._flush()
            if quote:
                self._depth = max(0, self._depth - 1)
                self._line_depth = self._depth
            if name == "pre":
                self._pre = max(0, self._pre - 1)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        data = data.replace("\xa0", " ").replace(QUOTE_MARK, "")
        if self._pre:
            for index, piece in enumerate(data.split("\n")):
                if index:
                    self._flush(hard=True)
                self._buffer.append(piece)
            return
        if not self._buffer:
            self._line_depth = self._depth
        self._buffer.append(_SPACES.sub(" ", data))


def _fallback(source: str) -> str:
    """Tag stripping for markup the parser cannot take."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", source)
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)\s*>", "\n", text)
    return html.unescape(_TAG.sub(" ", text)).replace("\xa0", " ")


def html_to_text(source: str) -> str:
    """Readable text of an HTML body, with quoted parts as "> " lines. Never raises."""
    source = source[:MAX_HTML_CHARS]
    converter = _Converter()
    try:
        converter.feed(source)
        converter.close()
        lines = converter.lines
    except Exception:  # html.parser raises on some broken markup (marked sections)
        lines = _fallback(source).split("\n")
    text = "\n".join(line.rstrip() for line in lines)
    return _BLANKS.sub("\n\n", text).strip("\n")
