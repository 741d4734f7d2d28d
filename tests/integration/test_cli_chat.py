"""`sales-agent chat` end to end through the CLI on the real MongoDB-wire server: each session starts
fresh, and `/wait` takes shorthand durations."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import app

pytestmark = pytest.mark.integration


def chat(*lines: str, name: str) -> str:
    result = CliRunner().invoke(app, ["chat", "--llm", "rules", "--name", name],
                                input="\n".join([*lines, "/quit"]) + "\n", catch_exceptions=False,
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_new_session_does_not_replay_an_earlier_sessions_follow_ups(cli_env: None) -> None:
    chat("Интересно, расскажите подробнее", name="Анна Первая")  # a conversation left mid-cadence
    second = chat("Сейчас не до этого, напишите через месяц", "/wait 50d", name="Борис Второй")
    assert "Анна" not in second  # the first contact's nudges would fire when the clock moves on
    assert "Вы просили написать позже" in second  # the reminder fired in this session


def test_wait_takes_shorthand_and_says_what_it_does_not_understand(cli_env: None) -> None:
    output = chat("/wait 3x", "/wait 2h", name="Анна Третья")
    assert "not a duration: '3x'" in output and "try /wait 3d" in output
    assert "time is now" in output
