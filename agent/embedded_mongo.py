"""The embedded MongoDB-wire server for the default run and the tests.

SecantusDB (GPL-2.0, the optional `embedded` extra) runs as a separate process started by its
`secantusd-py` command; it is never imported here. With `MONGODB_URI` set none of this runs.

One server per data directory, with one owner, recorded in `<data>/mongo.server.json`:
- the first command starts it and owns it; a command started while it runs uses it and is listed
  as a user;
- when the owner exits and users remain, the oldest live user becomes the owner (a `run` that
  stops does not pull the server from under a `worker`); the last one out stops it;
- a server whose owner was killed (kill -9) is adopted by the next command, which then stops it
  when it is the last one out; `sales-agent db stop` stops it at once.
Every decision is taken under an exclusive lock on `<data>/mongo.server.lock`, so two commands
started together never start two servers on one data directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.mongo_wire import ping, port_of, wake

log = logging.getLogger(__name__)

SERVER_COMMAND = "secantusd-py"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0

_handles: dict[tuple[Path, int], int] = {}  # open handles of this process, per data path and server pid

__all__ = ["EmbeddedMongoError", "RunningServer", "ServerStatus", "free_port", "ping", "running", "start",
           "status", "stop", "stop_recorded", "uri_for"]


class EmbeddedMongoError(RuntimeError):
    """The embedded server could not be started; the message says what to do."""


@dataclass
class RunningServer:
    uri: str
    process: subprocess.Popen[bytes] | None  # set when this process started it
    pid: int | None = None
    storage_path: Path | None = None  # None for a throwaway ':memory:' server
    adopted: bool = False  # an orphan (its owner was killed) that this process took over

    @property
    def owned(self) -> bool:
        """This process started or adopted it (it may still hand it to a user when it exits)."""
        return self.process is not None or self.adopted

    def running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return self.pid is not None and _server_alive(self.pid)


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


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (dead, not yet reaped) is not alive
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:3]
    except (OSError, IndexError):
        return True


def _is_server_process(pid: int) -> bool:
    """True when `pid` runs the embedded server (not a recycled pid of something else)."""
    try:
        return SERVER_COMMAND.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _pid_alive(pid)  # no /proc: trust the pid


def _server_alive(pid: int) -> bool:
    return _pid_alive(pid) and _is_server_process(pid)


def _state_file(storage_path: Path) -> Path:
    return storage_path.parent / (storage_path.name + ".server.json")


@contextlib.contextmanager
def _locked(storage_path: Path) -> Iterator[None]:
    lock_path = storage_path.parent / (storage_path.name + ".server.lock")
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_state(storage_path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(_state_file(storage_path).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and "pid" in state and "uri" in state else None


def _write_state(storage_path: Path, state: dict[str, Any]) -> None:
    target = _state_file(storage_path)
    scratch = target.with_suffix(f".{os.getpid()}.tmp")
    scratch.write_text(json.dumps(state))
    scratch.replace(target)


def _forget(storage_path: Path) -> None:
    with contextlib.suppress(OSError):
        _state_file(storage_path).unlink()


def _this_command() -> str:
    return " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:3])) or "python"


def _live_users(state: dict[str, Any], but: int | None = None) -> list[dict[str, Any]]:
    return [u for u in state.get("users", []) if u.get("pid") != but and _pid_alive(int(u.get("pid", -1)))]


def _terminate(pid: int, port: int | None, process: subprocess.Popen[bytes] | None = None,
               timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Stop the server cleanly: SIGTERM, then wake its accept loop; SIGKILL after `timeout_s`.

    SIGTERM is sent again every round: the server runs many threads, and a signal the kernel hands
    to one that is not Python's main thread is never acted on (seen under load: the server then
    waits forever)."""
    def gone() -> bool:
        return process.poll() is not None if process is not None else not _pid_alive(pid)

    deadline = time.monotonic() + timeout_s
    while not gone() and time.monotonic() < deadline:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
        _wait_until(gone, 0.15)  # let the handler close the listening socket first
        if port:
            wake(port, gone, 0.5)
        _wait_until(gone, min(1.5, max(0.0, deadline - time.monotonic())))
    if not gone():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        if process is not None:
            process.wait()


def _wait_until(done: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)


def _launch(storage_path: Path | str, port: int, log_path: Path | None) -> tuple[subprocess.Popen[bytes], str]:
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
        time.sleep(0.05)
    return process, uri


def start(storage_path: Path | str, port: int = 0, log_path: Path | None = None) -> RunningServer:
    """Start a server on `storage_path` (':memory:' for a throwaway one), use the running one
    (listed as a user), or adopt one whose owner is gone."""
    if str(storage_path) == ":memory:":
        process, uri = _launch(":memory:", port, log_path)
        return RunningServer(uri=uri, process=process, pid=process.pid)
    path = Path(storage_path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    me = os.getpid()
    with _locked(path):
        state = _read_state(path)
        if state is not None and _handles.get((path, int(state["pid"]))) and _server_alive(int(state["pid"])):
            _handles[(path, int(state["pid"]))] += 1  # this process uses it already: one more handle
            return RunningServer(uri=str(state["uri"]), process=None, pid=int(state["pid"]), storage_path=path)
        if state is not None and _server_alive(int(state["pid"])):
            pid, uri = int(state["pid"]), str(state["uri"])
            owner_pid = int(state.get("owner_pid") or -1)
            owner_alive = owner_pid != me and _pid_alive(owner_pid)
            if ping(uri) or _answers_soon(uri, pid):
                if owner_alive:
                    state["users"] = [*_live_users(state, but=me), {"pid": me, "command": _this_command()}]
                    _write_state(path, state)
                    log.info("using the embedded MongoDB server at %s (owner: %s, pid %s)", uri,
                             state.get("owner"), owner_pid)
                    _handles[(path, pid)] = 1
                    return RunningServer(uri=uri, process=None, pid=pid, storage_path=path)
                log.warning("adopting the embedded MongoDB server at %s: its owner %s (pid %s) is gone",
                            uri, state.get("owner"), owner_pid)
                state.update(owner_pid=me, owner=_this_command(), users=_live_users(state, but=me))
                _write_state(path, state)
                _handles[(path, pid)] = 1
                return RunningServer(uri=uri, process=None, pid=pid, storage_path=path, adopted=True)
            if owner_alive:
                raise EmbeddedMongoError(f"the embedded MongoDB server (pid {pid}) of {state.get('owner')} does not "
                                         "answer; `sales-agent db stop` stops it")
            log.warning("stopping the embedded MongoDB server pid %s: it does not answer and its owner is gone", pid)
            _terminate(pid, state.get("port"), timeout_s=3.0)
        process, uri = _launch(path, port, log_path)
        _write_state(path, {"pid": process.pid, "uri": uri, "port": port_of(uri), "storage_path": str(path),
                            "owner_pid": me, "owner": _this_command(), "started_at": time.time(), "users": []})
        _handles[(path, process.pid)] = 1
    return RunningServer(uri=uri, process=process, pid=process.pid, storage_path=path)


def _answers_soon(uri: str, pid: int, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and _server_alive(pid):
        if ping(uri, 0.5):
            return True
        time.sleep(0.2)
    return False


def stop(server: RunningServer, force: bool = False) -> None:
    """This process is done with the server. Its owner hands it to the oldest live user, or stops
    it when none is left (or with `force`); a user only leaves the list, unless the owner is gone
    and it is the last one out."""
    path = server.storage_path
    if path is None:  # a throwaway server: ours alone
        if server.process is not None:
            _terminate(server.process.pid, port_of(server.uri), server.process)
        return
    key = (path, server.pid or -1)
    _handles[key] = _handles.get(key, 1) - 1
    if _handles[key] > 0:
        return  # another handle of this process still uses it
    del _handles[key]
    me = os.getpid()
    with _locked(path):
        state = _read_state(path)
        if state is None or int(state["pid"]) != server.pid:  # stopped or replaced meanwhile
            if server.process is not None and server.process.poll() is None:
                _terminate(server.process.pid, port_of(server.uri), server.process)
            return
        users = _live_users(state, but=me)
        owner_pid = int(state.get("owner_pid") or -1)
        if owner_pid != me and _pid_alive(owner_pid) and not force:
            state["users"] = users
            _write_state(path, state)
            return
        if users and not force:
            heir, *rest = users
            log.info("handing the embedded MongoDB server to %s (pid %s)", heir.get("command"), heir["pid"])
            state.update(owner_pid=heir["pid"], owner=heir.get("command", "unknown"), users=rest)
            _write_state(path, state)
            return
        _terminate(int(state["pid"]), state.get("port"), server.process)
        _forget(path)


@contextlib.contextmanager
def running(storage_path: Path | str, port: int = 0, log_path: Path | None = None) -> Iterator[RunningServer]:
    server = start(storage_path, port, log_path)
    try:
        yield server
    finally:
        stop(server)


@dataclass
class ServerStatus:
    pid: int
    uri: str
    port: int | None
    storage_path: str
    owner_pid: int | None
    owner: str
    alive: bool  # the server process exists and answers
    owner_alive: bool  # the process that owns it still runs (False: orphaned)
    users: list[dict[str, Any]]  # other live processes using it


def status(storage_path: Path | str) -> ServerStatus | None:
    """The embedded server recorded for this data directory, or None when none was started."""
    path = Path(storage_path).resolve()
    state = _read_state(path)
    if state is None:
        return None
    pid, owner_pid = int(state["pid"]), int(state.get("owner_pid") or 0) or None
    return ServerStatus(pid=pid, uri=state["uri"], port=state.get("port"), storage_path=str(path),
                        owner_pid=owner_pid, owner=state.get("owner", "unknown"),
                        alive=_server_alive(pid) and ping(state["uri"]),
                        owner_alive=owner_pid is not None and _pid_alive(owner_pid), users=_live_users(state))


def stop_recorded(storage_path: Path | str, timeout_s: float = STOP_TIMEOUT_S) -> ServerStatus | None:
    """Stop the server recorded for this data directory (e.g. orphaned after a kill -9 of its
    owner) and forget it. Returns what was stopped, or None when nothing was recorded."""
    path = Path(storage_path).resolve()
    with _locked(path):
        found = status(path)
        if found is None:
            return None
        if _server_alive(found.pid):
            _terminate(found.pid, found.port, timeout_s=timeout_s)
        _forget(path)
    return found
