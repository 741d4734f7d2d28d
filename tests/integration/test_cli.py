"""The `sales-agent` CLI through typer's CliRunner, against the real test MongoDB server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from cli.app import app

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(cli_env: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LLM_PROVIDER", "rules")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})

    return invoke


@pytest.fixture
def db(mongo_uri: str, db_name: str):
    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    yield client[db_name]
    client.close()


def test_add_list_show(cli, db) -> None:
    result = cli("contacts", "add", "--name", "Иван Петров", "--company", "ООО «Ромашка»",
                 "--email", "ivan@romashka.ru", "--timezone", "Asia/Yekaterinburg")
    assert result.exit_code == 0, result.output
    contact = db.contacts.find_one({"email": "ivan@romashka.ru"})
    assert contact["timezone"] == "Asia/Yekaterinburg" and contact["next_timer"]["kind"] == "outreach"
    assert contact["_id"] in result.output
    listing = cli("contacts", "list")
    assert "Иван Петров" in listing.output and "outreach" in listing.output
    shown = cli("contacts", "show", contact["_id"])
    assert shown.exit_code == 0 and "status: new" in shown.output and "Asia/Yekaterinburg" in shown.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["contacts", "add", "--name", "Иван", "--email", "not-an-email"], "not an email address"),
        (["contacts", "add", "--name", "Иван"], "no email, telegram or phone"),
        (["contacts", "add", "--name", "Иван", "--email", "a@b.ru", "--timezone", "Mars/Base"], "unknown time zone"),
        (["contacts", "show", "c-nope"], "no contact with id 'c-nope'"),
        (["contacts", "opt-out", "c-nope"], "no contact with id 'c-nope'"),
        (["contacts", "list", "--status", "weird"], "unknown status 'weird'"),
        (["contacts", "import", "missing.csv"], "no such file"),
    ],
)
def test_bad_arguments_get_one_line(cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_duplicate_email_is_refused(cli) -> None:
    assert cli("contacts", "add", "--name", "Иван", "--email", "ivan@x.ru").exit_code == 0
    result = cli("contacts", "add", "--name", "Другой", "--email", "IVAN@x.ru")
    assert result.exit_code == 1 and "already exists" in result.output


def test_import_reports_bad_rows_and_keeps_good_ones(cli, db, tmp_path: Path) -> None:
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text(
        "Имя;Компания;Почта;Телеграм;Телефон;tz\n"
        "Ольга Смирнова;Гостиница «Волна»;olga@volna.ru;;;Europe/Moscow\n"
        "Без адреса;ООО;;;;\n"
        "Пётр;ООО «Плохая почта»;petr-at-mail;;;\n"
        "Анна;Кофейня;;@anna_coffee;;Asia/Vladivostok\n"
        ";ООО Безымянное;x@y.ru;;;\n"
        "Олег;Клиника;oleg@clinic.ru;;;Moon/Crater\n"
        "Дубль;Гостиница;OLGA@volna.ru;;;\n",
        encoding="utf-8",
    )
    result = cli("contacts", "import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert "imported 2 contact(s), skipped 1 already imported, 4 row(s) with errors" in result.output
    for expected in ("row 3: no email, telegram or phone", "row 4: not an email address", "row 6: name is empty",
                     "row 7: unknown time zone", "row 8: skipped: a contact with this email already exists"):
        assert expected in result.output
    assert db.contacts.count_documents({}) == 2
    assert db.contacts.find_one({"telegram": "@anna_coffee"})["timezone"] == "Asia/Vladivostok"


def test_import_rejects_a_file_without_usable_header(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = cli("contacts", "import", str(bad))
    assert result.exit_code == 1 and "header needs a name column" in result.output


def test_opt_out_then_restart_is_refused(cli, db) -> None:
    cli("contacts", "add", "--name", "Николай", "--email", "n@domovoy.ru")
    contact_id = db.contacts.find_one({})["_id"]
    result = cli("contacts", "opt-out", contact_id)
    assert result.exit_code == 0
    assert db.suppressions.find_one({"_id": "email:n@domovoy.ru"}) is not None
    assert db.timers.count_documents({"contact_id": contact_id, "status": "scheduled"}) == 0
    refused = cli("contacts", "restart", contact_id)
    assert refused.exit_code == 1 and "opted out" in refused.output


def test_opt_out_drops_a_booked_demo_and_says_so(cli, db) -> None:
    from datetime import UTC, datetime, timedelta

    cli("contacts", "add", "--name", "Олеся", "--email", "o@lavka.ru", "--timezone", "Asia/Yekaterinburg")
    contact_id = db.contacts.find_one({})["_id"]
    demo_at = (datetime.now(UTC) + timedelta(days=3)).replace(hour=6, minute=0, second=0, microsecond=0)
    db.contacts.update_one({"_id": contact_id}, {"$set": {"stage": "demo_booked", "demo_at": demo_at}})
    result = cli("contacts", "opt-out", contact_id)
    assert result.exit_code == 0
    assert "is dropped" in result.output and f"{demo_at:%Y-%m-%d} 11:00" in result.output  # the contact's zone
    stored = db.contacts.find_one({"_id": contact_id})
    assert stored["demo_at"] is None and stored["cancelled_demo_at"].replace(tzinfo=UTC) == demo_at
    assert db.events.count_documents({"contact_id": contact_id, "type": "demo_cancelled"}) == 1


def test_move_email_keeps_the_old_address_findable_and_refuses_what_cannot_be_used(cli, db, tmp_path: Path) -> None:
    cli("contacts", "add", "--name", "Анна", "--email", "anna@old.ru", "--no-start")
    cli("contacts", "add", "--name", "Пётр", "--email", "petr@new.ru", "--no-start")
    contact_id = db.contacts.find_one({"email": "anna@old.ru"})["_id"]
    refusals = (("petr@new.ru", "belongs to another contact"), ("not-an-email", "is not an email address"),
                ("sales@napoleonit.ru", "is our own address"))
    for email, message in refusals:
        refused = cli("contacts", "move-email", contact_id, email)
        assert refused.exit_code == 1 and message in refused.output and "Traceback" not in refused.output
        assert len([line for line in refused.output.splitlines() if line.strip()]) == 1
    assert db.contacts.find_one({"_id": contact_id})["email"] == "anna@old.ru"

    moved = cli("contacts", "move-email", contact_id, "Anna@New.ru", "--stop-old")
    assert moved.exit_code == 0 and "now has anna@new.ru; the old address is suppressed" in moved.output
    stored = db.contacts.find_one({"_id": contact_id})
    assert (stored["email"], stored["former_emails"]) == ("anna@new.ru", ["anna@old.ru"])
    assert db.suppressions.find_one({"_id": "email:anna@old.ru"}) is not None
    assert db.events.find_one({"contact_id": contact_id, "type": "address_moved"})["data"]["to"] == "anna@new.ru"
    assert "email: anna@new.ru (before: anna@old.ru)" in cli("contacts", "show", contact_id).output
    assert cli("contacts", "move-email", contact_id, "anna@new.ru").exit_code == 0  # the same address again: a no-op
    assert cli("contacts", "opt-out", contact_id).exit_code == 0  # both addresses, the old one included
    assert {d["_id"] for d in db.suppressions.find({"_id": {"$regex": "^email:"}})} == {"email:anna@old.ru",
                                                                                    "email:anna@new.ru"}
    # the old address is the same contact still: it cannot be given to someone else
    again = cli("contacts", "add", "--name", "Другая", "--email", "anna@old.ru")
    assert again.exit_code == 1 and "its former address" in again.output
    leads = tmp_path / "leads.csv"  # the original lead list, imported again
    leads.write_text("name,email\nАнна,anna@old.ru\nОлег,oleg@new.ru\n", encoding="utf-8")
    result = cli("contacts", "import", str(leads))
    assert "imported 1 contact(s), skipped 1 already imported" in result.output
    assert db.contacts.count_documents({"email": "anna@old.ru"}) == 0


def test_db_init_and_stats(cli) -> None:
    init = cli("db", "init")
    assert init.exit_code == 0 and "inbox" in init.output and "outbox" in init.output
    cli("contacts", "add", "--name", "Иван", "--email", "ivan@x.ru")
    stats = cli("stats")
    assert stats.exit_code == 0 and "funnel" in stats.output and "first message sent" in stats.output
    assert "waiting for the model host: none" in stats.output


def test_stats_shows_events_waiting_for_the_model(cli, mongo_uri: str, db_name: str) -> None:
    cli("db", "init")
    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    since = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    try:
        client[db_name].inbox.insert_many([
            {"_id": f"m{i}", "status": "pending", "priority": 0, "available_at": since, "received_at": since,
             "attempts": 0, "llm_wait_since": since, "llm_waits": 3} for i in range(2)])
        stats = cli("stats")
    finally:
        client[db_name].inbox.delete_many({"_id": {"$in": ["m0", "m1"]}})
        client.close()
    assert stats.exit_code == 0
    assert "waiting for the model host: 2 event(s)" in " ".join(stats.output.split())


def test_demo_end_to_end(cli, mongo_uri: str, db_name: str) -> None:
    result = cli("demo", "--start", "2026-11-25T09:00+03:00", "--llm", "rules")
    assert result.exit_code == 0, result.output[-3000:]
    assert "funnel" in result.output
    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    db = client[db_name + "_demo"]
    try:
        by_name = {c["name"]: c for c in db.contacts.find({})}

        def facts(name: str) -> set[str]:
            return {e["type"] for e in db.events.find({"contact_id": by_name[name]["_id"]})}

        def sent(name: str) -> list[dict[str, Any]]:
            return list(db.outbox.find({"contact_id": by_name[name]["_id"], "status": "sent",
                                        "kind": {"$ne": "team"}}).sort("created_at", 1))

        assert "deck_sent" in facts("Мария Белова")
        igor = by_name["Игорь Лебедев"]
        assert igor["stage"] == "demo_booked"
        assert igor["demo_at"].isoformat() == "2026-11-27T12:00:00+00:00"  # Fri 15:00 MSK
        pavel, olga = by_name["Павел Громов"], by_name["Ольга Смирнова"]
        assert pavel["status"] == "closed" and olga["referred_by"] == pavel["_id"]
        assert olga["email"] == "olga.smirnova@volna-hotel.ru" and "Павел Громов" in sent("Ольга Смирнова")[0]["text"]
        svetlana = by_name["Светлана Иванова"]
        reminder = [e for e in db.events.find({"contact_id": svetlana["_id"], "type": "follow_up"})]
        assert any(e["data"].get("kind") == "pause_end" for e in reminder)
        assert "paused" in facts("Светлана Иванова")
        nikolai = by_name["Николай Фёдоров"]
        assert nikolai["status"] == "opted_out"
        assert all(m["created_at"] <= nikolai["opted_out_at"] for m in db.outbox.find({"contact_id": nikolai["_id"]}))
        assert len(sent("Николай Фёдоров")) == 1  # the first message only
        assert by_name["Вячеслав Титов"]["status"] == "handoff"
        assert "руб" not in sent("Андрей Соколов")[1]["text"]
        elena = by_name["Елена Котова"]
        assert elena["status"] == "closed" and len(sent("Елена Котова")) == 3
    finally:
        client.close()


def test_stats_shows_each_campaigns_pace_and_projected_finish(cli, tmp_path) -> None:
    leads = tmp_path / "spring.csv"
    leads.write_text("name,email\n" + "".join(f"Лид {i},lead{i}@clinic.ru\n" for i in range(3)), encoding="utf-8")
    assert cli("contacts", "import", str(leads)).exit_code == 0
    stats = cli("stats")
    assert stats.exit_code == 0, stats.output
    assert "campaigns: first messages paced" in stats.output
    row = next(line for line in stats.output.splitlines() if "spring" in line)
    assert [cell.strip() for cell in row.split("│")[1:4]] == ["spring", "3", "3"]  # batch, contacts, waiting
    assert "sending mailboxes" in stats.output
