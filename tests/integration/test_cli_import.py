"""CSV import: encodings (detected and said), multi-line fields, strict addresses, and Ctrl+C with
a summary after which a re-run continues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from agent.contacts_import import is_email
from cli.app import app

pytestmark = pytest.mark.integration

ROWS = "name;company;email\nМария Иванова;ООО «Ёлка»;maria@elka.ru\nПётр;Кафе;petr@cafe.ru\n"


@pytest.fixture
def cli(cli_env: None):
    def invoke(*args: str) -> Any:
        return CliRunner().invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})

    return invoke


@pytest.fixture
def db(mongo_uri: str, db_name: str):
    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    yield client[db_name]
    client.close()


@pytest.mark.parametrize(("encoding", "said"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"),
                                                ("cp1251", "windows-1251")])
def test_encodings_are_detected_and_said(cli, db, tmp_path: Path, encoding: str, said: str) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(ROWS.encode(encoding))
    result = cli("contacts", "import", str(path), "--no-start")
    assert result.exit_code == 0, result.output
    assert f"as {said}" in result.output and "imported 2 contact(s)" in result.output
    assert {d["name"] for d in db.contacts.find({})} == {"Мария Иванова", "Пётр"}
    assert db.contacts.find_one({"email": "maria@elka.ru"})["company"] == "ООО «Ёлка»"


def test_multiline_quoted_field_keeps_its_newline(cli, db, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text('name,company,email\n"Анна","ООО «Два\r\nэтажа»",anna@two.ru\nБорис,Кафе,boris@cafe.ru\n',
                    encoding="utf-8", newline="")
    result = cli("contacts", "import", str(path), "--no-start")
    assert result.exit_code == 0, result.output
    assert db.contacts.find_one({"email": "anna@two.ru"})["company"] == "ООО «Два\r\nэтажа»"
    assert db.contacts.count_documents({}) == 2


@pytest.mark.parametrize("bad", ["<evil@x.ru>", "a@b.ru,c.ru", "a b@c.ru", "a@localhost", "Иван <i@x.ru>",
                                 "a@@b.ru", ".a@b.ru", "a..b@c.ru", "a@-b.ru", "a@b.ru;c@d.ru"])
def test_strict_addresses_are_refused(bad: str) -> None:
    assert not is_email(bad)


@pytest.mark.parametrize("good", ["ivan@romashka.ru", "first.last+tag@sub.example.com", "o'neil@x.io", "a@кафе.рф"])
def test_plain_addresses_are_accepted(good: str) -> None:
    assert is_email(good)


def test_ctrl_c_prints_where_it_stopped_and_a_rerun_continues(cli, db, mongo_uri: str, db_name: str,
                                                              tmp_path: Path) -> None:
    total = 3000
    path = tmp_path / "big.csv"
    path.write_text("name,email\n" + "".join(f"Лид {i},lead{i}@big.ru\n" for i in range(total)), encoding="utf-8")
    env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": db_name, "DATA_DIR": str(tmp_path / "d")}
    proc = subprocess.Popen([sys.executable, "-c", "from cli.app import main; main()", "contacts", "import",
                             str(path), "--no-start"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    deadline = time.monotonic() + 40
    while db.contacts.count_documents({}) < 50 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    first = db.contacts.count_documents({})
    assert proc.returncode == 130, err
    assert 50 <= first < total
    assert "interrupted at row" in err and "run the same command again to continue" in err, err
    result = cli("contacts", "import", str(path), "--no-start")
    assert result.exit_code == 0, result.output
    assert f"imported {total - first} contact(s), skipped {first} already imported, 0 row(s) with errors" \
        in result.output
    assert db.contacts.count_documents({}) == total
