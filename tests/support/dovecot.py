"""A real IMAP server for the tests: Debian's `dovecot` started as an unprivileged process with its
own minimal config (generated here), a static test password for any user name, Maildir storage
and plain-text login on 127.0.0.1 on a free port. The system dovecot service is never used.

Any address logs in with `PASSWORD`, so every test makes its own fresh mailboxes.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "test-secret"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{base}/mail/%d/%n
mailbox_idle_check_interval = 1 secs
{capability}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%d/%n
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
service imap-login {{
  chroot =
  user = {user}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            if sock.recv(64).startswith(b"* OK"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"dovecot did not answer on port {port}")


@dataclass
class Dovecot:
    host: str
    port: int
    base: Path
    process: subprocess.Popen[bytes]
    password: str = PASSWORD

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)


@contextlib.contextmanager
def running_dovecot(idle: bool = True) -> Iterator[Dovecot]:
    """Start dovecot (as `nobody` when we are root), yield it, stop it and remove its files."""
    binary = dovecot_binary()
    if binary is None:
        raise RuntimeError("dovecot is not installed (bash .ci/install.d/dovecot.sh)")
    as_root = os.geteuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(account.pw_gid).gr_name
    base = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
    port = free_port()
    capability = "" if idle else "imap_capability = IMAP4rev1 LITERAL+ UIDPLUS"
    (base / "dovecot.conf").write_text(CONFIG.format(
        base=base, user=account.pw_name, group=group, uid=account.pw_uid, gid=account.pw_gid, port=port,
        password=PASSWORD, capability=capability))
    for sub in ("run", "state", "mail", "home"):
        (base / sub).mkdir()
    if as_root:
        for path in (base, *base.rglob("*")):
            os.chown(path, account.pw_uid, account.pw_gid)
    process = subprocess.Popen(
        [binary, "-F", "-c", str(base / "dovecot.conf")],
        stdout=subprocess.DEVNULL, stderr=(base / "stderr.log").open("wb"),
        user=account.pw_uid if as_root else None, group=account.pw_gid if as_root else None,
        extra_groups=[] if as_root else None, cwd=base,
    )
    server = Dovecot("127.0.0.1", port, base, process)
    try:
        try:
            wait_port(port)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{(base / 'stderr.log').read_text()}\n{server.log()}") from None
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(base, ignore_errors=True)
