"""`sales-agent eval`: replay recorded dialogs through the agent and score them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, err_console, fail, run, settings_or_exit


def eval_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Dialog files or directories (default: evals/dialogs)")] = None,
    llm: Annotated[str | None, typer.Option(help="rules | ollama (default: rules; ollama with --record/--replay)")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the JSON report here (and the HTML next to it)")] = None,
    html: Annotated[Path | None, typer.Option(help="Write the HTML report here (default: next to --report)")] = None,
    record: Annotated[Path | None, typer.Option(help="Save every model answer in this directory (--llm ollama)")] = None,
    replay: Annotated[Path | None, typer.Option(help="Serve the model answers saved with --record; no host needed")] = None,
    judge: Annotated[bool, typer.Option(help="Also ask the model to judge reply quality (after the scores)")] = False,
    check: Annotated[bool, typer.Option(help="Exit 1 when a CI threshold (evals/thresholds.py) is missed")] = False,
    failures: Annotated[int, typer.Option(min=0, help="How many failures to list in the terminal")] = 60,
) -> None:
    """Replay recorded dialogs (format: shared/DIALOGS.md) through the real graph, store and channel
    parsing with a frozen clock, and score what the agent understood, did and wrote.

    Prints a table with the failures; --report writes JSON plus an HTML page with a per-intent chart."""
    from agent import embedded_mongo
    from agent.embedded_mongo import EmbeddedMongoError
    from evals.loader import DialogError
    from evals.report import print_report, write_html, write_json
    from evals.suite import chat_model_for, evaluate, load

    if record is not None and replay is not None:
        raise fail("--record and --replay cannot be used together")
    mode = llm or ("ollama" if (record or replay) else "rules")
    if mode not in ("rules", "ollama"):
        raise fail(f"--llm must be rules or ollama, not {mode!r}")
    if mode == "rules" and (record or replay):
        raise fail("--record/--replay need the model: use --llm ollama")
    if judge and mode == "rules":
        raise fail("--judge needs the model: use --llm ollama (or --replay)")
    if replay is not None and not replay.is_dir():
        raise fail(f"--replay: no such directory {replay}")
    settings = settings_or_exit(llm_provider=mode)
    try:
        dialogs = load(paths)
    except DialogError as exc:
        raise fail(str(exc)) from None
    if mode == "ollama" and replay is None and not settings.ollama_base_url:
        raise fail("--llm ollama needs OLLAMA_BASE_URL (e.g. http://gpu-host:11434), or use --replay DIR")

    async def go() -> None:
        if mode == "ollama" and replay is None:
            from agent.llm import probe_ollama

            assert settings.ollama_base_url
            if reason := await probe_ollama(settings.ollama_base_url, settings.ollama_model,
                                            settings.ollama_probe_timeout_s):
                raise fail(reason)
        chat_model = chat_model_for(settings, mode, record=record, replay=replay)  # type: ignore[arg-type]
        try:
            server = embedded_mongo.start(":memory:")
        except (EmbeddedMongoError, FileNotFoundError) as exc:
            raise fail(f"the eval needs the embedded MongoDB server (pip install -e '.[embedded]'): {exc}") from None
        try:
            with console.status("replaying dialogs…") as status:
                done = 0

                def progress(result: object) -> None:
                    nonlocal done
                    done += 1
                    status.update(f"replaying dialogs… {done}/{len(dialogs)}")

                outcome = await evaluate(dialogs, settings, server.uri, chat_model=chat_model, judge=judge,
                                         progress=progress,
                                         meta={"paths": [str(p) for p in paths or []] or ["evals/dialogs"],
                                               "mode": mode, "record": str(record) if record else None,
                                               "replay": str(replay) if replay else None})
        finally:
            embedded_mongo.stop(server)
        print_report(outcome.summary, console, max_failures=failures, breaches=outcome.breaches if check else None,
                     judge=outcome.judge)
        if report is not None:
            write_json(outcome.report, report)
            err_console.print(f"JSON report: {report}", highlight=False)
        html_path = html or (report.with_suffix(".html") if report is not None else None)
        if html_path is not None:
            write_html(outcome.report, html_path)
            err_console.print(f"HTML report: {html_path}", highlight=False)
        if check and outcome.breaches:
            raise typer.Exit(code=1)

    run(go)
