"""A dead MONGODB_URI: one line naming host:port (never the password) and exit code 1, for every
command, through the real `sales-agent` process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent import embedded_mongo

pytestmark = pytest.mark.integration

COMMANDS = [["contacts", "list"], ["stats"], ["worker"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_dead_mongodb_uri_is_one_clear_line(command: list[str], tmp_path: Path) -> None:
    port = embedded_mongo.free_port()  # nothing listens there
    env = {**os.environ, "MONGODB_URI": f"mongodb://seller:s3cret@127.0.0.1:{port}/", "LLM_PROVIDER": "rules",
           "MONGODB_CONNECT_TIMEOUT_S": "1", "DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from cli.app import main; main()", *command], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "not reachable" in lines[0]
    assert "s3cret" not in done.stderr + done.stdout and "Traceback" not in done.stderr
    assert took < 15
