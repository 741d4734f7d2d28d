"""`sales-agent eval` argument checks and load errors: one line, exit code 1, no server started."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.eval import eval_command

app = typer.Typer()
app.command("eval")(eval_command)


@app.callback()
def main() -> None:
    """Keep `eval` a subcommand, as in `sales-agent eval`."""


def run(*args: str):
    return CliRunner().invoke(app, ["eval", *args])


def test_a_bad_dialog_is_one_line_naming_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nchannel: email\nnow: 2026-11-25T10:00:00+03:00\ncontact: {email: a@b.ru}\n"
                   "turns:\n- client: hi\n  expect: {intent: maybe}\n", encoding="utf-8")
    result = run(str(bad))
    assert result.exit_code == 1
    assert f"{bad}: turns[0].expect.intent: unknown intent 'maybe'" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_option_conflicts_are_refused() -> None:
    assert "cannot be used together" in run("--record", "a", "--replay", "b").output
    assert "--llm must be rules or ollama" in run("--llm", "gpt").output
    assert "need the model" in run("--llm", "rules", "--record", "x").output
    assert "--judge needs the model" in run("--judge").output
    assert "no such directory" in run("--replay", "/nonexistent/recordings").output


def test_ollama_without_a_host_says_what_to_set(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OLLAMA_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = run("--llm", "ollama")
    assert result.exit_code == 1 and "OLLAMA_BASE_URL" in result.output


def test_a_missing_path_is_an_error() -> None:
    result = run("/nonexistent/dialogs")
    assert result.exit_code == 1 and "no such file or directory" in result.output
