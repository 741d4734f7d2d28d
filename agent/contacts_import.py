"""Reading leads from CSV: every bad row gets a one-line reason with its row number; good rows
still import."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COLUMNS = ("name", "company", "email", "telegram", "phone", "timezone", "first_name", "position", "language")
LANGUAGES = ("ru", "en")  # the languages the reply templates are written in (prompts/, prompts/en/)
ALIASES = {"имя": "name", "фио": "name", "компания": "company", "почта": "email", "e-mail": "email",
           "телеграм": "telegram", "tg": "telegram", "телефон": "phone", "часовой пояс": "timezone",
           "tz": "timezone", "должность": "position", "язык": "language", "lang": "language"}
_LABEL = r"[0-9A-Za-zА-Яа-яЁё](?:[0-9A-Za-zА-Яа-яЁё-]{0,61}[0-9A-Za-zА-Яа-яЁё])?"
EMAIL = re.compile(rf"^[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*"
                   rf"@(?:{_LABEL}\.)+[A-Za-zА-Яа-яЁё]{{2,63}}$")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
TELEGRAM = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{4,31}$")
PHONE = re.compile(r"^\+?[\d\s()-]{10,18}$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, not CSV, no usable header)."""


@dataclass
class RowError:
    row: int  # the line number in the file, header = 1
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


def _header(raw: list[str]) -> list[str]:
    names = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in raw]
    if "name" not in names or not {"email", "telegram", "phone"} & set(names):
        raise ImportFileError("the header needs a name column and one of email, telegram, phone "
                              f"(found: {', '.join(raw) or 'nothing'})")
    return names


def validate_row(row: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    fields = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
    if not fields.get("name"):
        return None, "name is empty"
    if not any(fields.get(k) for k in ("email", "telegram", "phone")):
        return None, "no email, telegram or phone"
    if fields.get("email") and not is_email(fields["email"]):
        return None, f"not an email address: {fields['email']!r}"
    if fields.get("telegram") and not TELEGRAM.match(fields["telegram"].removeprefix("https://t.me/")):
        return None, f"not a Telegram handle: {fields['telegram']!r}"
    if fields.get("phone") and not PHONE.match(fields["phone"]):
        return None, f"not a phone number: {fields['phone']!r}"
    if fields.get("timezone"):
        try:
            ZoneInfo(fields["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            return None, f"unknown time zone {fields['timezone']!r}"
    if fields.get("language"):
        fields["language"] = fields["language"].lower()
        if fields["language"] not in LANGUAGES:
            return None, f"language must be one of {', '.join(LANGUAGES)}: {fields['language']!r}"
    return {k: v for k, v in fields.items() if v}, None


def is_email(value: str) -> bool:
    """One plain address: no display name, brackets, spaces, lists; a dotted domain."""
    return len(value) <= 254 and EMAIL.match(value) is not None


def decode_file(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read in: UTF-8 (with or without BOM), else
    windows-1251 when that decodes to Cyrillic text (Excel's default in Russia)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportFileError(f"no such file: {path}") from exc
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return raw.decode("utf-8-sig"), "UTF-8 with BOM" if raw.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1251")
    except UnicodeDecodeError:
        text = ""
    if CYRILLIC.search(text):
        return text, "windows-1251"
    raise ImportFileError(f"{path} is neither UTF-8 nor windows-1251 text (save the CSV as UTF-8)")


def read_rows(path: Path, text: str | None = None) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(row number, fields or None, error or None) for every data row; the number is the file line
    the row starts on (header = 1). Quoted fields may span lines."""
    if text is None:
        text, _encoding = decode_file(path)
    dialect = csv.excel
    with contextlib.suppress(csv.Error):  # not sniffable: plain comma-separated
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = _header(next(reader))
    except StopIteration as exc:
        raise ImportFileError(f"{path} is empty") from exc
    while True:
        number = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, None, f"not valid CSV: {exc}"
            return
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            yield number, None, f"{len(values)} values but the header has {len(header)} columns"
            continue
        fields, error = validate_row(dict(zip(header, values, strict=False)))
        yield number, fields, error


def count_rows(text: str) -> int:
    """About how many data rows (for the progress bar)."""
    return max(sum(1 for line in text.splitlines() if line.strip()) - 1, 0)
