"""The Telegram sender loop alone, as its own process, for the kill -9 test.

    MONGODB_URI=… MONGODB_DB=… TELEGRAM_BOT_TOKEN=… TELEGRAM_API_BASE=… SENDER_LEASE_S=1 \\
        python -m tests.integration.telegram.sender_process

`SENDER_LEASE_S` shortens the outbox lease so a message a killed sender left in `sending` is
looked at again within the test's time. With `--zygote` it imports once (aiogram's types take
seconds) and then forks a fresh sender for every `fork <MONGODB_DB>` line on stdin, printing its
pid; the test kills those with SIGKILL. The zygote has no threads and no connections when it forks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import agent.sending
from agent.clock import SystemClock
from agent.sending import run_sender
from agent.store import connect_store
from channels.telegram.bot import build_bot
from channels.telegram.sender import TelegramChannel
from channels.telegram.settings import load_telegram_settings


async def main() -> None:
    agent.sending.LEASE_S = float(os.environ.get("SENDER_LEASE_S", agent.sending.LEASE_S))
    settings = load_telegram_settings()
    store = connect_store(os.environ["MONGODB_URI"], os.environ["MONGODB_DB"])
    bot = build_bot(settings)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await run_sender(store, TelegramChannel(bot, store, settings), SystemClock(), stop, poll_s=0.05)
    finally:
        await bot.session.close()
        await store.close()


def zygote() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    for line in sys.stdin:
        command, _, db_name = line.strip().partition(" ")
        if command != "fork":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.environ["MONGODB_DB"] = db_name or os.environ["MONGODB_DB"]
            asyncio.run(main())
            os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    if "--zygote" in sys.argv:
        zygote()
    else:
        asyncio.run(main())
