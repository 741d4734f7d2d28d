"""`/wait` in `sales-agent chat`: shorthand and ISO 8601 durations, a one-line error otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cli.chat import wait_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40d", timedelta(days=40)),
        ("3h", timedelta(hours=3)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        ("P3D", timedelta(days=3)),
        ("pt2h", timedelta(hours=2)),
        ("", timedelta(days=1)),
    ],
)
def test_wait_takes_shorthand_and_iso(text: str, expected: timedelta) -> None:
    assert wait_duration(text) == expected


@pytest.mark.parametrize("text", ["x", "3y", "P", "-1d"])
def test_anything_else_is_a_one_line_error_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration: .*try /wait 3d"):
        wait_duration(text)
