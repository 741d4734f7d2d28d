"""TelegramSettings (env, `.env` semantics, validation, the token kept secret) and deep-link tokens."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.tools.deep_links import is_token, link_url, new_token
from agent.tools.reply_rules import violations
from channels.telegram.settings import TelegramSettings

TOKEN = "123456789:AAH-secret_Token-value"


def make(**values: object) -> TelegramSettings:
    return TelegramSettings(_env_file=None, **values)  # type: ignore[arg-type]


def test_reads_the_environment_and_ignores_empty_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@Seed_Bot")
    monkeypatch.setenv("TELEGRAM_PER_CHAT_PER_S", "2")
    settings = make()
    assert not settings.configured and settings.telegram_bot_username == "Seed_Bot"
    assert settings.telegram_per_chat_per_s == 2.0 and settings.telegram_mode == "polling"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert make().configured


def test_dotenv_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nTELEGRAM_LINK_TTL_DAYS=3\n", encoding="utf-8")
    settings = TelegramSettings(_env_file=env)  # type: ignore[call-arg]
    assert settings.configured and settings.telegram_link_ttl_days == 3


def test_the_token_never_shows() -> None:
    settings = make(telegram_bot_token=TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())


def test_validation() -> None:
    with pytest.raises(ValidationError, match="BotFather") as bad:
        make(telegram_bot_token="12x:secret-value")
    assert "secret-value" not in str(bad.value)  # errors never echo the input
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_URL"):
        make(telegram_bot_token=TOKEN, telegram_mode="webhook")
    webhook = make(telegram_bot_token=TOKEN, telegram_mode="webhook",
                   telegram_webhook_url="https://bot.example.ru/tg/hook")
    assert webhook.webhook_path == "/tg/hook"


def test_tokens_are_url_safe_and_fit_telegram() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(len(t) <= 64 and is_token(t) for t in tokens)
    url = link_url("seed_bot", new_token())
    assert violations(f"Напишите нам в Telegram: {url}", language="ru", max_words=120, product_facts="") == []
    assert not is_token("has space") and not is_token("a" * 65) and not is_token("") and not is_token("@bot")
    assert link_url("@seed_bot", "abc_-1") == "https://t.me/seed_bot?start=abc_-1"
