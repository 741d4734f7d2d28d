"""The Telegram channel (aiogram 3): a bot that leads reach through a deep link or `/start`.

Listener (polling or webhook) → `ingest` → MongoDB inbox; `TelegramChannel` sends from the outbox.
Nothing here runs at import: settings, the bot and the dispatcher are built by `bot.py`.
"""
