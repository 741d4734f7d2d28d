"""Which worker entries count as alive: a killed worker of this host stops counting at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from agent.worker_presence import _gone


def test_a_running_process_of_this_host_is_not_gone() -> None:
    assert not _gone(f"{socket.gethostname()}:{os.getpid()}")
    assert not _gone(f"{socket.gethostname()}:{os.getpid()}-0")


def test_a_finished_process_of_this_host_is_gone() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert _gone(f"{socket.gethostname()}:{proc.pid}")
    assert _gone(f"{socket.gethostname()}:{proc.pid}-3")


def test_another_host_or_a_free_form_name_is_judged_by_its_beat_alone() -> None:
    assert not _gone("some-other-host:1")
    assert not _gone("w-order")
