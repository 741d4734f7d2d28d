"""Reading leads from CSV: every bad row gets a one-line reason with its row number; good rows
still import."""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COLUMNS = ("name", "company", "email", "telegram", "phone", "timezone", "first_name", "position")
ALIASES = {"имя": "name", "фио": "name", "компания": "company", "почта": "email", "e-mail": "email",
           "телеграм": "telegram", "tg": "telegram", "телефон": "phone", "часовой пояс": "timezone",
           "tz": "timezone", "должность": "position"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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
    if fields.get("email") and not EMAIL.match(fields["email"]):
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
    return {k: v for k, v in fields.items() if v}, None


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(row number, fields or None, error or None) for every data row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ImportFileError(f"no such file: {path}") from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path} is not UTF-8 text (save the CSV as UTF-8)") from exc
    dialect = csv.excel
    with contextlib.suppress(csv.Error):  # not sniffable: plain comma-separated
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")  # type: ignore[assignment]
    reader = csv.reader(text.splitlines(), dialect)
    try:
        header = _header(next(reader))
    except StopIteration as exc:
        raise ImportFileError(f"{path} is empty") from exc
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            yield number, None, f"{len(values)} values but the header has {len(header)} columns"
            continue
        fields, error = validate_row(dict(zip(header, values, strict=False)))
        yield number, fields, error


def count_rows(path: Path) -> int:
    try:
        return max(sum(1 for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()) - 1, 0)
    except (OSError, UnicodeDecodeError):
        return 0
