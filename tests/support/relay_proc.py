"""Start real `sales-agent` processes (relay, worker, …) against the test MongoDB."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from agent.settings import Settings
from agent.store import Store

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from cli.app import main; main()"]


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLAMA_", "LLM_", "RELAY_", "TELEGRAM_",
                                                                      "IMAP_", "SMTP_"))}
    env.update({
        "MONGODB_URI": settings.mongodb_uri.get_secret_value(),  # type: ignore[union-attr]
        "MONGODB_DB": settings.mongodb_db,
        "DATA_DIR": str(settings.data_dir),
        "LLM_PROVIDER": "rules",
        **extra,
    })
    return env


def start_cli(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*CLI, *args], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=ROOT)


def start_relay(settings: Settings, ollama_url: str, name: str, log: Path, *, lease_s: float = 1.0,
                concurrency: int = 1, **extra: str) -> subprocess.Popen[bytes]:
    values = {"OLLAMA_BASE_URL": ollama_url, "RELAY_NAME": name, "RELAY_LEASE_S": str(lease_s),
              "RELAY_HEARTBEAT_S": "0.3", "RELAY_POLL_S": "0.02", "RELAY_CONCURRENCY": str(concurrency),
              "OLLAMA_TIMEOUT_S": "30"}
    env = cli_env(settings, **{**values, **extra})
    return start_cli(["llm-relay"], env, log)


async def wait_host_up(store: Store, name: str, timeout_s: float = 60.0, max_age_s: float = 2.0) -> None:
    from datetime import UTC, datetime

    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        live = await store.llm_requests.live_hosts(datetime.now(UTC), max_age_s)
        if any(h["_id"] == name for h in live):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"relay {name} did not heartbeat within {timeout_s} s")


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 15.0) -> int:
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
