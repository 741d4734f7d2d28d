"""One owner for the embedded server, through real `sales-agent` processes: a server whose owner
was killed with SIGKILL is adopted by the next command and stopped when it is done; an owner that
stops hands the server to a process still using it; commands started together share one server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent import embedded_mongo

pytestmark = [pytest.mark.integration, pytest.mark.crash]


def sales_agent(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(DATA_DIR=str(tmp_path / "data"), COLUMNS="250", LLM_PROVIDER="rules")
    return subprocess.Popen([sys.executable, "-c", "from cli.app import main; main()", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)


def done(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = proc.communicate(timeout=90)
    return proc.returncode, out + err


def state_of(tmp_path: Path) -> dict | None:
    try:
        return json.loads((tmp_path / "data" / "mongo.server.json").read_text())
    except (OSError, ValueError):
        return None


def wait_for(predicate, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.split(")", 1)[1].split()[0] != "Z"


def serving(tmp_path: Path, owner: subprocess.Popen[str]) -> dict:
    def up() -> bool:
        assert owner.poll() is None, owner.communicate()
        state = state_of(tmp_path)
        return bool(state) and state["owner_pid"] == owner.pid and embedded_mongo.ping(state["uri"])

    wait_for(up, "the owner did not start the server")
    state = state_of(tmp_path)
    assert state is not None
    return state


def test_kill_9_of_the_owner_leaves_a_server_the_next_command_adopts_and_stops(tmp_path: Path) -> None:
    worker = sales_agent(tmp_path, "worker")
    state = serving(tmp_path, worker)
    code, text = done(sales_agent(tmp_path, "db", "status"))
    assert code == 0 and f"(pid {worker.pid}, running)" in text, text

    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    assert pid_alive(state["pid"])  # the orphan is still there …
    code, text = done(sales_agent(tmp_path, "db", "status"))
    assert code == 0 and "orphaned" in text and "adopts it" in text, text

    code, text = done(sales_agent(tmp_path, "contacts", "add", "--name", "Ольга", "--email", "olga@romashka.ru",
                                  "--no-start"))
    assert code == 0, text
    assert "adopting the embedded MongoDB server" in text and str(worker.pid) in text, text
    assert not pid_alive(state["pid"]), "the adopter left the orphan running"  # … and gone with its adopter
    assert state_of(tmp_path) is None

    code, text = done(sales_agent(tmp_path, "contacts", "list"))  # a fresh server, the data intact
    assert code == 0 and "Ольга" in text, text
    assert state_of(tmp_path) is None


def test_an_owner_that_stops_hands_the_server_to_a_process_still_using_it(tmp_path: Path) -> None:
    first = sales_agent(tmp_path, "worker")
    state = serving(tmp_path, first)
    second = sales_agent(tmp_path, "worker")
    wait_for(lambda: any(u["pid"] == second.pid for u in (state_of(tmp_path) or {}).get("users", [])),
             "the second worker did not join the running server")
    code, text = done(sales_agent(tmp_path, "db", "status"))
    assert code == 0 and "used by" in text and f"(pid {second.pid})" in text, text

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    handed = state_of(tmp_path)
    assert handed is not None and handed["pid"] == state["pid"] and handed["owner_pid"] == second.pid
    assert embedded_mongo.ping(state["uri"])  # the server did not go away under the second worker
    code, text = done(sales_agent(tmp_path, "contacts", "list"))
    assert code == 0, text
    assert second.poll() is None

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    wait_for(lambda: not pid_alive(state["pid"]), "the last one out did not stop the server", 20)
    assert state_of(tmp_path) is None


def test_commands_started_together_share_one_server_and_leave_none(tmp_path: Path) -> None:
    procs = [sales_agent(tmp_path, "contacts", "add", "--name", f"Лид {i}", "--email", f"lead{i}@romashka.ru",
                         "--no-start") for i in range(3)]
    results = [done(p) for p in procs]
    assert all(code == 0 for code, _ in results), results
    code, text = done(sales_agent(tmp_path, "contacts", "list"))
    assert code == 0 and all(f"Лид {i}" in text for i in range(3)), text
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    assert not [line for line in out.splitlines() if "secantusd-py" in line and str(tmp_path) in line]
