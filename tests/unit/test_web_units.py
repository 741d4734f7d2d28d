"""Small web-desk pieces without a server: tokens, the login limiter, secret masking."""

from __future__ import annotations

from pydantic import SecretStr

from agent.tools.unsubscribe_token import make_token, verify_token
from web.masking import settings_rows
from web.ratelimit import LoginLimiter
from web.settings import WebSettings


def test_unsubscribe_token_round_trip_and_forgery() -> None:
    token = make_token("c-1a2b3c4d", "s3cret")
    assert verify_token(token, "s3cret") == "c-1a2b3c4d"
    assert verify_token(token, "other") is None and verify_token(token, "") is None
    other = make_token("c-99999999", "s3cret")
    assert verify_token(f"{other.split('.')[0]}.{token.split('.')[1]}", "s3cret") is None
    for bad in ("", ".", "abc", "a.b.c", "!!.??", token[:-2]):
        assert verify_token(bad, "s3cret") is None


def test_login_limiter_window() -> None:
    now = [0.0]
    limiter = LoginLimiter(5, 600, now=lambda: now[0])
    for _ in range(5):
        assert not limiter.blocked("Oleg", "1.2.3.4")
        limiter.failed("oleg", "1.2.3.4")
    assert limiter.blocked("OLEG", "1.2.3.4") and not limiter.blocked("oleg", "5.6.7.8")
    now[0] = 601
    assert not limiter.blocked("oleg", "1.2.3.4")


def test_settings_rows_mask_every_secret() -> None:
    web = WebSettings(_env_file=None, web_secret=SecretStr("abc123"), unsubscribe_secret="zzz")  # type: ignore[call-arg]
    rows = dict(settings_rows(web))
    assert "abc123" not in str(rows) and "zzz" not in str(rows)
    assert rows["WEB_SECRET"].startswith("••") and rows["WEB_PORT"] == "8080"
