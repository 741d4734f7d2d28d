"""The default run: with MONGODB_URI unset the CLI starts the embedded server on DATA_DIR, data
survives between commands, a running server is reused, and nothing is left running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent import embedded_mongo

pytestmark = pytest.mark.integration


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MONGODB_DB")}
    env.update(DATA_DIR=str(tmp_path / "data"), LLM_PROVIDER="rules", COLUMNS="200")
    return subprocess.run([sys.executable, "-c", "from cli.app import main; main()", *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=180)


def servers_on(path: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "secantusd-py" in line and str(path) in line]


def test_commands_start_and_stop_the_embedded_server(tmp_path: Path) -> None:
    added = cli(tmp_path, "contacts", "add", "--name", "Иван Петров", "--email", "ivan@romashka.ru")
    assert added.returncode == 0, added.stderr
    listed = cli(tmp_path, "contacts", "list")
    assert "Иван Петров" in listed.stdout  # the data survived the first server's stop
    init = cli(tmp_path, "db", "init")
    assert "embedded server" in init.stdout
    assert servers_on(tmp_path / "data") == []
    assert not (tmp_path / "data" / "mongo.server.json").exists()


def test_a_running_server_is_reused(tmp_path: Path) -> None:
    storage = tmp_path / "data" / "mongo"
    server = embedded_mongo.start(storage)
    try:
        assert cli(tmp_path, "contacts", "add", "--name", "Пётр", "--email", "p@x.ru").returncode == 0
        assert server.process is not None and server.process.poll() is None  # still ours, still up
        again = embedded_mongo.start(storage)
        assert again.uri == server.uri and not again.owned
        embedded_mongo.stop(again)  # one handle of two: the server stays
        assert server.process.poll() is None
    finally:
        embedded_mongo.stop(server)
    assert servers_on(tmp_path / "data") == []


def test_missing_server_command_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(embedded_mongo, "SERVER_COMMAND", "no-such-secantusd")
    monkeypatch.setattr(embedded_mongo.shutil, "which", lambda _name: None)
    with pytest.raises(embedded_mongo.EmbeddedMongoError, match="MONGODB_URI is not set"):
        embedded_mongo.start(tmp_path / "mongo")
