"""Send pacing with a fake monotonic clock: per chat, global, and a 429 pause."""

from __future__ import annotations

from channels.telegram.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def limiter(time: FakeTime, per_chat: float = 1.0, overall: float = 30.0) -> RateLimiter:
    return RateLimiter(per_chat, overall, monotonic=time.monotonic, sleep=time.sleep)


async def test_one_message_per_second_to_a_chat() -> None:
    time = FakeTime()
    pace = limiter(time)
    waits = [await pace.wait("1") for _ in range(3)]
    assert waits == [0.0, 1.0, 1.0] and time.now == 102.0


async def test_other_chats_only_wait_for_the_global_pace() -> None:
    time = FakeTime()
    pace = limiter(time, per_chat=1.0, overall=10.0)
    waits = [await pace.wait(str(chat)) for chat in range(5)]
    assert waits[0] == 0.0 and all(abs(w - 0.1) < 1e-9 for w in waits[1:])


async def test_a_429_pauses_that_chat() -> None:
    time = FakeTime()
    pace = limiter(time)
    await pace.wait("1")
    pace.pause("1", 7)
    assert await pace.wait("2") < 0.1  # another chat goes on
    assert abs(await pace.wait("1") - 7.0) < 0.1
