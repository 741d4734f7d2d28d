"""The embedded MongoDB-wire server for the default run and the tests.

SecantusDB (GPL-2.0, the optional `embedded` extra) runs as a separate process started by its
`secantusd-py` command; it is never imported here. With `MONGODB_URI` set none of this runs.
A second `sales-agent` process on the same data directory reuses the running server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

SERVER_COMMAND = "secantusd-py"
START_TIMEOUT_S = 60.0


class EmbeddedMongoError(RuntimeError):
    """The embedded server could not be started; the message says what to do."""


@dataclass
class RunningServer:
    uri: str
    process: subprocess.Popen[bytes] | None  # None when another process owns it

    @property
    def owned(self) -> bool:
        return self.process is not None


def uri_for(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command() -> str:
    local = Path(sys.executable).parent / SERVER_COMMAND
    found = str(local) if local.exists() else shutil.which(SERVER_COMMAND)
    if not found:
        raise EmbeddedMongoError(
            "MONGODB_URI is not set and the embedded server is not installed: "
            "pip install -e '.[embedded]' (SecantusDB) or set MONGODB_URI to a MongoDB server"
        )
    return found


def ping(uri: str, timeout_s: float = 1.0) -> bool:
    client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=int(timeout_s * 1000))
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _state_file(storage_path: Path) -> Path:
    return storage_path.parent / (storage_path.name + ".server.json")


def _reusable(storage_path: Path) -> str | None:
    state_file = _state_file(storage_path)
    if not state_file.exists():
        return None
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return None
    if _pid_alive(int(state.get("pid", -1))) and ping(state["uri"]):
        return str(state["uri"])
    return None


def start(storage_path: Path | str, port: int = 0, log_path: Path | None = None) -> RunningServer:
    """Start a server on `storage_path` (':memory:' for a throwaway one) or reuse a running one."""
    memory = str(storage_path) == ":memory:"
    if not memory:
        storage_path = Path(storage_path).resolve()
        storage_path.parent.mkdir(parents=True, exist_ok=True)
        if uri := _reusable(storage_path):
            log.info("reusing the embedded MongoDB server at %s", uri)
            return RunningServer(uri=uri, process=None)
    port = port or free_port()
    cmd = [server_command(), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage_path),
           "--log-level", "WARNING"]
    log_file = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    uri = uri_for(port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ping(uri, 0.5):
        if process.poll() is not None:
            raise EmbeddedMongoError(
                f"the embedded MongoDB server exited with code {process.returncode}"
                + (f"; see {log_path}" if log_path else "")
            )
        if time.monotonic() > deadline:
            process.kill()
            raise EmbeddedMongoError(f"the embedded MongoDB server did not answer within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.2)
    if not memory:
        _state_file(Path(storage_path)).write_text(json.dumps({
            "pid": process.pid, "uri": uri, "port": port, "storage_path": str(storage_path),
            "owner_pid": os.getpid(), "owner": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:3])),
            "started_at": time.time()}))
    return RunningServer(uri=uri, process=process)


def stop(server: RunningServer, storage_path: Path | str | None = None) -> None:
    if server.process is None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if storage_path and str(storage_path) != ":memory:":
        with contextlib.suppress(OSError):
            _state_file(Path(storage_path).resolve()).unlink()


@contextlib.contextmanager
def running(storage_path: Path | str, port: int = 0, log_path: Path | None = None) -> Iterator[RunningServer]:
    server = start(storage_path, port, log_path)
    try:
        yield server
    finally:
        stop(server, storage_path)


@dataclass
class ServerStatus:
    pid: int
    uri: str
    port: int | None
    storage_path: str
    owner_pid: int | None
    owner: str
    alive: bool  # the server process exists and answers
    owner_alive: bool  # the process that started it still runs (False: orphaned)


def _is_server_process(pid: int) -> bool:
    """True when `pid` runs the embedded server (not a recycled pid of something else)."""
    try:
        return SERVER_COMMAND.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _pid_alive(pid)  # no /proc: trust the pid


def status(storage_path: Path | str) -> ServerStatus | None:
    """The embedded server recorded for this data directory, or None when none was started."""
    path = Path(storage_path).resolve()
    try:
        state = json.loads(_state_file(path).read_text())
    except (OSError, ValueError):
        return None
    pid, owner_pid = int(state.get("pid", -1)), state.get("owner_pid")
    alive = _pid_alive(pid) and _is_server_process(pid) and ping(state["uri"])
    return ServerStatus(pid=pid, uri=state["uri"], port=state.get("port"), storage_path=str(path),
                        owner_pid=owner_pid, owner=state.get("owner", "unknown"), alive=alive,
                        owner_alive=bool(owner_pid) and _pid_alive(int(owner_pid)))


def stop_recorded(storage_path: Path | str, timeout_s: float = 15.0) -> ServerStatus | None:
    """Stop the server recorded for this data directory (e.g. orphaned after a kill -9 of its
    owner) and forget it. Returns what was stopped, or None when nothing was recorded."""
    found = status(storage_path)
    if found is None:
        return None
    if _pid_alive(found.pid) and _is_server_process(found.pid):
        os.kill(found.pid, 15)
        deadline = time.monotonic() + timeout_s
        while _pid_alive(found.pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(found.pid, os.WNOHANG)
            time.sleep(0.1)
        if _pid_alive(found.pid):
            os.kill(found.pid, 9)
    with contextlib.suppress(OSError):
        _state_file(Path(storage_path).resolve()).unlink()
    return found
