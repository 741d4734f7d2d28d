"""Wall time of short `sales-agent` commands, cold (no server running: the command starts the
embedded server and stops it) and warm (a server already runs, e.g. `sales-agent db serve` or a
running `sales-agent run`), plus the import time of the command module alone.

    python bench/cli_speed.py [--runs 5] [--contacts 20]

Each figure is the median (and max) of `--runs` runs of the real console script in a fresh data
directory holding `--contacts` contacts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
COMMANDS = [["contacts", "list"], ["contacts", "show", "c-missing"], ["stats"], ["db", "status"], ["--help"]]


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def figure(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} s (max {max(samples):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--contacts", type=int, default=20)
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cli-speed-"))
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(DATA_DIR=str(work / "data"), LLM_PROVIDER="rules", COLUMNS="200")
    agent = str(VENV_BIN / "sales-agent")
    try:
        imports = [timed([sys.executable, "-c", "import cli.app"], env) for _ in range(opts.runs)]
        print(f"import cli.app: {figure(imports)}")
        for i in range(opts.contacts):
            subprocess.run([agent, "contacts", "add", "--name", f"Лид {i}", "--email", f"lead{i}@example.ru",
                            "--no-start"], env=env, check=True, stdout=subprocess.DEVNULL)
        for command in COMMANDS:
            cold = [timed([agent, *command], env) for _ in range(opts.runs)]
            print(f"cold  sales-agent {' '.join(command):<24} {figure(cold)}")
        serve = subprocess.Popen([agent, "db", "serve", "--port", "0"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        assert serve.stdout is not None
        serve.stdout.readline()  # "embedded MongoDB at …": it answers
        try:
            for command in COMMANDS:
                warm = [timed([agent, *command], env) for _ in range(opts.runs)]
                print(f"warm  sales-agent {' '.join(command):<24} {figure(warm)}")
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
