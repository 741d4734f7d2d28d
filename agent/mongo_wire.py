"""Two raw socket exchanges with a loopback MongoDB-wire server, with no driver involved.

A `MongoClient` leaves monitor threads that the interpreter joins at exit, which cost every short
command about half a second; a single OP_MSG `ping` over a socket costs a millisecond.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable

import bson
import bson.errors

OP_MSG = 2013


def port_of(uri: str) -> int:
    """The port of a `mongodb://host:port/...` URI."""
    return int(uri.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].rsplit(":", 1)[1])


def ping(uri: str, timeout_s: float = 1.0) -> bool:
    """True when the server on this loopback URI answers a `ping` command with ok."""
    body = bson.encode({"ping": 1, "$db": "admin"})
    message = struct.pack("<iiii", 16 + 5 + len(body), 1, 0, OP_MSG) + struct.pack("<iB", 0, 0) + body
    try:
        with socket.create_connection(("127.0.0.1", port_of(uri)), timeout=timeout_s) as sock:
            sock.sendall(message)
            length, _request, _to, opcode = struct.unpack("<iiii", _read_exact(sock, 16))
            rest = _read_exact(sock, length - 16)
        return opcode == OP_MSG and bool(bson.decode(rest[5:]).get("ok"))
    except (OSError, ValueError, struct.error, bson.errors.BSONError):
        return False


def _read_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ValueError("connection closed")
        data += chunk
    return data


def wake(port: int, exited: Callable[[], bool], timeout_s: float = 1.0) -> None:
    """After SIGTERM: connect to the server until it stops accepting. SecantusDB closes its
    listening socket and joins its accept thread for up to 2 s, but on Linux closing the socket
    does not wake a blocked accept(); a connection does, and the server then exits at once."""
    deadline = time.monotonic() + timeout_s
    while not exited() and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return  # no longer listening: it is on its way out
        time.sleep(0.02)
