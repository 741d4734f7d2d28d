"""The deployment files, checked without a Docker engine: `compose.yaml` against the Compose
specification's JSON schema (vendored from a registry package, see tests/fixtures/compose-spec),
plus what a schema cannot say; every service's command is a real `sales-agent` command that
starts against the test MongoDB and stops cleanly on SIGTERM; the Dockerfile's shape."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from agent.settings import Settings
from cli.app import app
from tests.support.fake_bot_api import TOKEN, FakeBotApi
from tests.support.fake_ollama import FakeOllama, unused_port
from tests.support.relay_proc import CLI, ROOT, cli_env, start_cli

pytestmark = pytest.mark.integration

SCHEMA = ROOT / "tests/fixtures/compose-spec/compose-spec.json"
IMAGE = "seed-sales-agent:latest"
LONG_RUNNING = {"worker", "email", "telegram", "llm-relay", "web"}


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def agent_services() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose()["services"].items() if svc.get("image") == IMAGE}


def cli_commands() -> set[str]:
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    return names | {g.name for g in app.registered_groups if g.name}


def test_compose_file_matches_the_compose_specification_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_catches_a_broken_compose_file() -> None:
    """The check is not vacuous: a typo'd key and a wrong type are rejected."""
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    broken = compose()
    broken["services"]["worker"]["comand"] = ["worker"]
    broken["services"]["mongo"]["healthcheck"]["retries"] = "many"
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("comand" in m for m in messages) and any("many" in m for m in messages)


def test_mongo_is_a_single_node_replica_set_with_init_and_health_check() -> None:
    services = compose()["services"]
    mongo, init = services["mongo"], services["mongo-init"]
    assert mongo["command"][:2] == ["--replSet", "rs0"]
    assert "isWritablePrimary" in " ".join(mongo["healthcheck"]["test"])
    assert 'rs.initiate({_id: "rs0"' in " ".join(init["entrypoint"]) and init["restart"] == "no"
    for name, svc in agent_services().items():
        if name == "llm-relay":  # the GPU host reaches MongoDB from outside
            continue
        assert "replicaSet=rs0" in svc["environment"]["MONGODB_URI"], name
        assert svc["depends_on"]["mongo"]["condition"] == "service_healthy", name
        assert svc["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully", name


def test_services_workers_scale_and_the_gpu_profile() -> None:
    services = compose()["services"]
    assert {"worker", "email", "telegram", "web", "ollama", "llm-relay"} <= set(services)
    worker = services["worker"]
    assert worker["deploy"]["replicas"] >= 2
    assert "container_name" not in worker and "ports" not in worker  # nothing stops --scale worker=N
    assert services["ollama"]["image"].startswith("ollama/ollama") and services["ollama"]["profiles"] == ["gpu"]
    relay = services["llm-relay"]
    assert relay["profiles"] == ["gpu"] and relay["environment"]["OLLAMA_BASE_URL"] == "http://ollama:11434"
    for name, svc in agent_services().items():
        assert svc["env_file"] == ".env", name


def test_every_variable_the_compose_file_reads_is_documented() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"),
                                re.M))
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", text))
    assert used <= documented, used - documented


def test_dockerfile_one_slim_image_non_root_cli_entry_point() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["sales-agent"\]$', text, re.M)
    assert 'sales-agent = "cli.app:main"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for src in re.findall(r"^COPY (\S+) ", text, re.M):
        assert (ROOT / src).exists(), src
    packages = re.search(r'include = \[([^\]]+)\]', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert packages is not None
    for package in re.findall(r'"(\w+)\*"', packages.group(1)):
        assert f"COPY {package} ./{package}" in text, package


def service_commands() -> list[tuple[str, list[str]]]:
    return sorted((name, svc["command"]) for name, svc in agent_services().items())


@pytest.mark.parametrize(("service", "command"), service_commands(), ids=[n for n, _ in service_commands()])
def test_service_command_is_a_real_cli_command(service: str, command: list[str]) -> None:
    if command[0] not in cli_commands():
        assert service == "web", f"{service}: `sales-agent {command[0]}` does not exist"
        pytest.skip("`sales-agent web` lands with the web desk; the service is behind the `web` profile")
    result = subprocess.run([*CLI, *command, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as srv:
        yield srv


def env_for(service: str, settings: Settings, bot_api: FakeBotApi, ollama: FakeOllama) -> dict[str, str]:
    """The test stand-ins for what `.env` holds in production."""
    extra = {
        "email": {"IMAP_HOST": "127.0.0.1", "IMAP_PORT": str(unused_port()), "IMAP_USER": "agent",
                  "IMAP_PASSWORD": "x", "IMAP_SSL": "false", "SMTP_HOST": "127.0.0.1",
                  "SMTP_PORT": str(unused_port()), "SMTP_USER": "agent", "SMTP_PASSWORD": "x",
                  "SMTP_STARTTLS": "false"},
        "telegram": {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": bot_api.base_url},
        "llm-relay": {"OLLAMA_BASE_URL": ollama.base_url, "RELAY_HEARTBEAT_S": "0.5"},
    }.get(service, {})
    return cli_env(settings, **extra)


@pytest.mark.parametrize("service", sorted(LONG_RUNNING - {"web"}))
def test_long_running_service_starts_and_stops_cleanly_on_sigterm(service: str, settings: Settings, store,
                                                                  bot_api: FakeBotApi, ollama: FakeOllama,
                                                                  tmp_path: Path) -> None:
    command = agent_services()[service]["command"]
    log = tmp_path / f"{service}.log"
    proc = start_cli(command, env_for(service, settings, bot_api, ollama), log)
    try:
        deadline = time.monotonic() + 120
        banner = {"llm-relay": "llm-relay "}.get(service, f"sales-agent {command[0]}")
        while banner not in log.read_text(encoding="utf-8", errors="replace"):
            assert proc.poll() is None, f"{service} exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{service} did not start:\n{log.read_text()}"
            time.sleep(0.1)
        time.sleep(1.0)  # running its loops
        assert proc.poll() is None, log.read_text()
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = proc.wait(timeout=15)
        assert code == 0, f"{service} exit {code}:\n{log.read_text()}"
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_db_init_service_runs_to_completion(settings: Settings) -> None:
    [command] = [svc["command"] for name, svc in agent_services().items() if name == "db-init"]
    result = subprocess.run([*CLI, *command], env=cli_env(settings), capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ready" in result.stdout
