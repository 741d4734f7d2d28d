"""A real local HTTP server that speaks the Telegram Bot API methods the channel uses.

aiogram is pointed at it with `TelegramAPIServer.from_base(server.base_url)` (TELEGRAM_API_BASE).
It serves `getMe`, `getUpdates` (long poll, capped at `max_poll_s`), `sendMessage` (checks the
4,096-character limit and HTML the way Telegram does), `sendDocument` (multipart upload),
`sendChatAction`, `deleteWebhook`, `setWebhook`, `getWebhookInfo`; records every call; and can be
scripted: `fail("sendMessage", 429, retry_after=3)`, `block(chat)` (403 "bot was blocked by the
user"), `delay("sendMessage", 0.05)`. A call is recorded when it is received, before any delay:
a client killed while waiting for the answer has still reached "Telegram".

    with FakeBotApi() as api:
        update_id = api.message(1001, "/start")
        api.texts(1001)
"""

from __future__ import annotations

import asyncio
import html
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token_for-fake-api"
_TAG = re.compile(r"<(/?)([a-z-]+)(\s[^>]*)?>")
_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                 "blockquote", "span"}
SENDS = {"sendmessage", "senddocument", "sendchataction"}


@dataclass
class Call:
    method: str  # lower case: "sendmessage"
    params: dict[str, str]
    files: dict[str, tuple[str, bytes]]
    status: int
    at: float  # time.monotonic() when received
    result: Any = None  # what the method returned (e.g. the sent message)

    @property
    def chat_id(self) -> str | None:
        return self.params.get("chat_id")


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None = None
    times: int = 1
    chat_id: str | None = None


@dataclass
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    delays: dict[str, float] = field(default_factory=dict)
    next_update: int = 1000
    next_message: int = 1
    confirmed: int = 0
    webhook: dict[str, str] = field(default_factory=dict)


def _error(status: int, description: str, retry_after: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def check_html(text: str) -> str | None:
    """Telegram's complaint about `parse_mode=HTML` text (unknown tag, bare `<`, `>` or `&`), or None."""
    for match in _TAG.finditer(text):
        if match.group(2) not in _ALLOWED_TAGS:
            return f"Bad Request: can't parse entities: unsupported start tag \"{match.group(2)}\""
    stripped = _TAG.sub("", text)
    if "<" in stripped or ">" in stripped:
        return "Bad Request: can't parse entities: unexpected end of name token"
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", stripped):
        return "Bad Request: can't parse entities: unsupported entity"
    return None


def visible_length(text: str, parse_mode: str | None) -> int:
    visible = html.unescape(_TAG.sub("", text)) if (parse_mode or "").upper() == "HTML" else text
    return len(visible.encode("utf-16-le")) // 2


class FakeBotApi:
    def __init__(self, token: str = TOKEN, username: str = "seed_sales_test_bot", max_poll_s: float = 0.5) -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.username = username
        self.max_poll_s = max_poll_s
        self._state = _State()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBotApi:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-bot-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Bot API server did not start")
        return self

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def reset(self) -> None:
        """Forget calls, pending updates and scripted errors (update and message ids keep counting)."""
        with self._lock:
            self._state = _State(next_update=self._state.next_update, next_message=self._state.next_message,
                                 confirmed=self._state.confirmed)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- feeding updates -----------------------------------------------------------------------
    def push(self, kind: str, payload: dict[str, Any]) -> int:
        with self._lock:
            update_id = self._state.next_update
            self._state.next_update += 1
            self._state.updates.append({"update_id": update_id, kind: payload})
            return update_id

    def user(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Клиент", "language_code": "ru", **fields}

    def message(self, chat_id: int, text: str | None = None, *, user: dict[str, Any] | None = None,
                kind: str = "message", **fields: Any) -> int:
        """A private-chat message update; `fields` are any Message fields (voice, contact, …)."""
        with self._lock:
            message_id = self._state.next_message
            self._state.next_message += 1
        sender = user or self.user(chat_id)
        body: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                "chat": {"id": chat_id, "type": "private", "first_name": sender["first_name"]},
                                "from": sender, **fields}
        if text is not None:
            body["text"] = text
        if kind == "edited_message":
            body["edit_date"] = int(time.time())
        return self.push(kind, body)

    def press(self, chat_id: int, user_id: int, data: str, message_id: int = 1) -> int:
        """Someone presses an inline button under the bot's message `message_id` in `chat_id`."""
        bot = {"id": self.bot_id, "is_bot": True, "first_name": "Seed", "username": self.username}
        message = {"message_id": message_id, "date": int(time.time()), "from": bot, "text": "…",
                   "chat": {"id": chat_id, "type": "group" if chat_id < 0 else "private", "title": "Продажи"}}
        user = {"id": user_id, "is_bot": False, "first_name": "Мария", "username": f"user{user_id}"}
        return self.push("callback_query", {"id": f"cb{user_id}{message_id}", "from": user, "message": message,
                                            "chat_instance": "ci", "data": data})

    def group_message(self, chat_id: int, user_id: int, text: str, reply_to: int | None = None) -> int:
        """A message in a group chat (the team chat), optionally a reply to the bot's message."""
        with self._lock:
            message_id = self._state.next_message
            self._state.next_message += 1
        user = {"id": user_id, "is_bot": False, "first_name": "Мария", "username": f"user{user_id}"}
        chat = {"id": chat_id, "type": "group", "title": "Продажи"}
        body: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user,
                                "text": text}
        if reply_to is not None:
            bot = {"id": self.bot_id, "is_bot": True, "first_name": "Seed", "username": self.username}
            body["reply_to_message"] = {"message_id": reply_to, "date": int(time.time()), "chat": chat, "from": bot,
                                        "text": "…"}
        return self.push("message", body)

    def membership(self, chat_id: int, status: str) -> int:
        """`my_chat_member`: the user blocked (`kicked`) or unblocked (`member`) the bot."""
        bot = {"id": self.bot_id, "is_bot": True, "first_name": "Seed", "username": self.username}

        def member(state: str) -> dict[str, Any]:
            return {"status": state, "user": bot, **({"until_date": 0} if state == "kicked" else {})}

        return self.push("my_chat_member", {
            "chat": {"id": chat_id, "type": "private", "first_name": "Клиент"}, "from": self.user(chat_id),
            "date": int(time.time()), "old_chat_member": member("member" if status == "kicked" else "kicked"),
            "new_chat_member": member(status)})

    @property
    def confirmed(self) -> int:
        """The highest getUpdates offset seen: every update below it was handled by the bot."""
        return self._state.confirmed

    async def wait_handled(self, update_id: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.confirmed <= update_id:
            if time.monotonic() > deadline:
                raise AssertionError(f"update {update_id} was not confirmed by the bot (offset {self.confirmed})")
            await asyncio.sleep(0.01)

    # --- scripting -------------------------------------------------------------------------------
    def fail(self, method: str, status: int, description: str | None = None, *, retry_after: int | None = None,
             times: int = 1, chat_id: int | None = None) -> None:
        default = {429: f"Too Many Requests: retry after {retry_after}", 403: "Forbidden: bot was blocked by the user",
                   500: "Internal Server Error"}.get(status, "Bad Request")
        with self._lock:
            self._state.failures.append(Failure(method.lower(), status, description or default, retry_after, times,
                                                None if chat_id is None else str(chat_id)))

    def block(self, chat_id: int) -> None:
        with self._lock:
            self._state.blocked.add(str(chat_id))

    def delay(self, method: str, seconds: float) -> None:
        """Answer `method` calls `seconds` late (after recording them)."""
        self._state.delays[method.lower()] = seconds

    # --- inspection ------------------------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._state.calls if method is None or c.method == method.lower()]

    def delivered(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage / sendDocument calls (what the client sees), in order."""
        return [c for c in self.calls() if c.method in ("sendmessage", "senddocument") and c.status == 200
                and (chat_id is None or c.chat_id == str(chat_id))]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """The visible text of delivered messages (HTML unescaped)."""
        return [html.unescape(c.params["text"]) for c in self.delivered(chat_id) if c.method == "sendmessage"]

    @property
    def webhook(self) -> dict[str, str]:
        return dict(self._state.webhook)

    # --- the API ---------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.method == "POST":
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = str(value)
        params.update(request.query)
        if request.match_info["token"] != self.token:
            return web.json_response(_error(401, "Unauthorized"), status=401)
        if method == "getupdates":
            return web.json_response(await self._get_updates(params))
        status, body = self._answer(method, params, files)
        with self._lock:
            self._state.calls.append(Call(method, params, files, status, time.monotonic(),
                                          body.get("result") if isinstance(body, dict) else None))
        if delay := self._state.delays.get(method):
            await asyncio.sleep(delay)
        return web.json_response(body, status=status)

    def _scripted(self, method: str, chat: str | None) -> Failure | None:
        with self._lock:
            if method in SENDS and chat in self._state.blocked:
                return Failure(method, 403, "Forbidden: bot was blocked by the user")
            for failure in self._state.failures:
                if failure.method == method and failure.times > 0 and failure.chat_id in (None, chat):
                    failure.times -= 1
                    return failure
        return None

    def _answer(self, method: str, params: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[int, Any]:
        if failure := self._scripted(method, params.get("chat_id")):
            return failure.status, _error(failure.status, failure.description, failure.retry_after)
        bot = {"id": self.bot_id, "is_bot": True, "first_name": "Seed", "username": self.username}
        if method == "getme":
            return 200, {"ok": True, "result": {**bot, "can_join_groups": False, "can_read_all_group_messages": False,
                                                "supports_inline_queries": False}}
        if method in ("deletewebhook", "setwebhook", "sendchataction", "close", "logout", "answercallbackquery"):
            if method in ("deletewebhook", "setwebhook"):
                keep = ("url", "secret_token", "allowed_updates") if method == "setwebhook" else ()
                self._state.webhook = {k: v for k, v in params.items() if k in keep}
            return 200, {"ok": True, "result": True}
        if method == "getwebhookinfo":
            return 200, {"ok": True, "result": {"url": self._state.webhook.get("url", ""),
                                                "has_custom_certificate": False, "pending_update_count": 0}}
        if method not in ("sendmessage", "senddocument"):
            return 404, _error(404, "Not Found: method not found")
        chat = params.get("chat_id", "")
        if not chat.lstrip("-").isdigit():
            return 400, _error(400, "Bad Request: chat not found")
        result: dict[str, Any] = {"date": int(time.time()), "chat": {"id": int(chat), "type": "private"}, "from": bot}
        if method == "sendmessage":
            text, mode = params.get("text", ""), params.get("parse_mode")
            if (mode or "").upper() == "HTML" and (problem := check_html(text)):
                return 400, _error(400, problem)
            if not text.strip() or visible_length(text, mode) > 4096:
                return 400, _error(400, "Bad Request: message is too long" if text.strip() else
                                   "Bad Request: message text is empty")
            result["text"] = text
        else:
            ref = params.get("document", "").removeprefix("attach://")
            if ref not in files:
                return 400, _error(400, "Bad Request: there is no document in the request")
            name = files[ref][0]
            result["document"] = {"file_id": f"doc-{name}", "file_unique_id": name, "file_name": name}
        with self._lock:
            result["message_id"] = self._state.next_message
            self._state.next_message += 1
        return 200, {"ok": True, "result": result}

    async def _get_updates(self, params: dict[str, str]) -> dict[str, Any]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), self.max_poll_s)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._state.confirmed = max(self._state.confirmed, offset)
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
                ready = self._state.updates[:100]
            if ready or time.monotonic() >= deadline:
                return {"ok": True, "result": ready}
            await asyncio.sleep(0.01)
