"""A small soak through real processes (bench/soak.py with 60 messages): email over dovecot and
aiosmtpd, Telegram over the local Bot API server, the fake Ollama, `sales-agent db serve`, `worker`,
`email` and `telegram`, with kill -9 of each, of the database server, a model outage and a database
restart. Nothing is lost, nothing is sent twice, nothing reaches a client after an opt-out."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.dovecot import dovecot_binary

pytestmark = [pytest.mark.integration, pytest.mark.crash,
              pytest.mark.skipif(dovecot_binary() is None, reason="dovecot is not installed")]

ROOT = Path(__file__).resolve().parents[2]


def soak_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_soak", ROOT / "bench" / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_soak_smoke_loses_nothing_doubles_nothing_and_respects_opt_outs() -> None:
    soak = soak_module()
    report = soak.main(["--messages", "60", "--gap", "0.3", "--seed", "5", "--drain-timeout", "300"])

    assert len(report["faults"]) == len(soak.FAULTS)  # every kind of fault happened
    assert {"fault: kill_database", "fault: model_outage", "fault: restart_database"} <= set(report["faults"])
    assert report["opt_outs"] >= 1 and report["opt_outs_recorded"] == report["opt_outs"]
    assert report["replies_delivered"] > 0
    assert report["lost_inbound"] == 0, report
    assert report["never_ingested"] == 0, report
    assert report["duplicate_outbound"] == 0, report
    assert report["messages_after_opt_out"] == 0, report
