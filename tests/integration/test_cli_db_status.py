"""`sales-agent db status|stop` and `db serve` through real processes: an orphaned embedded server
is found and stopped; `db serve` says so and exits non-zero when its server dies."""

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


def sales_agent(tmp_path: Path, *args: str, **kw) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(DATA_DIR=str(tmp_path / "data"), COLUMNS="250", LLM_PROVIDER="rules")
    return subprocess.Popen([sys.executable, "-c", "from cli.app import main; main()", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, **kw)


def done(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out + err


def test_db_serve_dies_loudly_and_status_stop_handle_an_orphan(tmp_path: Path) -> None:
    port = embedded_mongo.free_port()
    serve = sales_agent(tmp_path, "db", "serve", "--port", str(port))
    state_file = tmp_path / "data" / "mongo.server.json"
    deadline = time.monotonic() + 40
    while not (state_file.exists() and embedded_mongo.ping(embedded_mongo.uri_for(port))):
        assert time.monotonic() < deadline and serve.poll() is None
        time.sleep(0.2)
    state = json.loads(state_file.read_text())
    code, text = done(sales_agent(tmp_path, "db", "status"))
    assert code == 0 and f"running; pid {state['pid']}, port {port}" in text and "owner" in text, text

    os.kill(state["pid"], signal.SIGKILL)  # the server dies under `db serve`
    code, text = done(serve)
    assert code == 1 and "the embedded MongoDB server died" in text, text

    # an orphan: a server whose owner is gone (kill -9 of the owner leaves it running)
    orphan = embedded_mongo.start(tmp_path / "data" / "mongo", embedded_mongo.free_port())
    assert orphan.process is not None
    state = json.loads(state_file.read_text())
    state["owner_pid"] = 999_999_999
    state_file.write_text(json.dumps(state))
    code, text = done(sales_agent(tmp_path, "db", "status"))
    assert code == 0 and "orphaned" in text, text
    code, text = done(sales_agent(tmp_path, "db", "stop"))
    assert code == 0 and f"stopped (pid {orphan.process.pid}" in text, text
    orphan.process.wait(timeout=10)
    code, text = done(sales_agent(tmp_path, "db", "status"))
    assert code == 0 and "not running" in text, text
