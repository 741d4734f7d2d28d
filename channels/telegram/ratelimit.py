"""Send pacing: at most N messages per second to one chat and M in total, per process.

Telegram's advice is about one message per second per chat and about 30 per second overall;
going faster earns 429s. A 429 also pauses that chat for `retry_after`. Several sender processes
each keep their own pace (the 429 handling covers the rest).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    def __init__(self, per_chat_per_s: float, global_per_s: float,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.chat_gap = 1.0 / per_chat_per_s
        self.global_gap = 1.0 / global_per_s
        self.monotonic = monotonic
        self.sleep = sleep
        self.next_global = 0.0
        self.next_chat: dict[str, float] = {}
        self.lock = asyncio.Lock()

    async def wait(self, chat: str) -> float:
        """Wait for this chat's turn; returns how long it waited."""
        async with self.lock:
            now = self.monotonic()
            at = max(now, self.next_global, self.next_chat.get(chat, 0.0))
            if at > now:
                await self.sleep(at - now)
            self.next_global = at + self.global_gap
            self.next_chat[chat] = at + self.chat_gap
            if len(self.next_chat) > 10_000:
                self.next_chat = {c: t for c, t in self.next_chat.items() if t > at}
            return at - now

    def pause(self, chat: str, seconds: float) -> None:
        """A 429 for this chat: nothing goes to it before `seconds` from now."""
        self.next_chat[chat] = max(self.next_chat.get(chat, 0.0), self.monotonic() + seconds)
