"""`sales-agent users add` and `sales-agent web` start-up rules, through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from cli.app import app
from web.passwords import verify_password

pytestmark = pytest.mark.integration


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, mongo_uri: str, db_name: str, tmp_path: Path) -> dict[str, str]:
    for name, value in (("MONGODB_URI", mongo_uri), ("MONGODB_DB", db_name), ("DATA_DIR", str(tmp_path / "d")),
                        ("LLM_PROVIDER", "rules")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WEB_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return {"COLUMNS": "200"}


def test_users_add_stores_an_argon2_hash_never_the_password(env: dict[str, str], mongo_uri: str,
                                                            db_name: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["users", "add", "anna", "--role", "admin", "--password-stdin"],
                           input="a long password\n", env=env)
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["users", "add", "anna", "--password-stdin"], input="another one\n",
                         env=env).exit_code == 1  # a name is taken once
    assert runner.invoke(app, ["users", "add", "bob", "--role", "boss", "--password-stdin"], input="x" * 9,
                         env=env).exit_code == 1
    assert runner.invoke(app, ["users", "add", "bob", "--password-stdin"], input="short\n", env=env).exit_code == 1
    client: MongoClient = MongoClient(mongo_uri)
    try:
        doc = client[db_name]["users"].find_one({"_id": "anna"})
        assert doc and doc["role"] == "admin" and doc["password_hash"].startswith("$argon2id$")
        assert "a long password" not in str(doc) and verify_password(doc["password_hash"], "a long password")
        listed = runner.invoke(app, ["users", "list"], env=env)
        assert "anna" in listed.output and "argon2" not in listed.output
    finally:
        client.drop_database(db_name)
        client.close()


def test_web_refuses_to_start_without_a_secret(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["web"], env=env)
    assert result.exit_code == 1 and "WEB_SECRET is not set" in result.output
