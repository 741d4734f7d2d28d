"""A real local HTTP server that speaks enough of Ollama's API for ChatOllama, with scripted answers.

Endpoints: `GET /`, `GET /api/version`, `GET /api/tags`, `POST /api/show`, `POST /api/chat`
(NDJSON stream when `stream` is true or absent — ChatOllama's default — else one JSON object).
Each `/api/chat` takes the next scripted item: a dict/list (sent as JSON text in
`message.content`), a str (raw text, e.g. malformed JSON), a `Reply` (delay, HTTP status, token
counts) or a callable(request_json) returning one of those. Every request body is recorded.

    with FakeOllama([{"intent": "demo"}, slow(2.0), http_status(500)]) as server:
        server.base_url, server.chat_bodies

CLI (another process): `python -m tests.support.fake_ollama --port 0 --script FILE.json
--url-file URL.txt`; the script file is a JSON list of `Reply.from_spec` dicts.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MODEL = "qwen2:72b-instruct-q4_0"


@dataclass(frozen=True)
class Reply:
    """One scripted `/api/chat` answer. `content`: dict/list → JSON text, str → sent verbatim."""

    content: Any = ""
    delay_s: float = 0.0
    status: int = 200
    error: str = "internal server error"
    prompt_eval_count: int | None = None
    eval_count: int | None = None
    done_reason: str = "stop"

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Reply:
        """`{"json": {...}}` or `{"text": "..."}`, plus optional delay_s/status/error/token counts."""
        fields = {k: v for k, v in spec.items() if k not in ("json", "text")}
        content = spec["json"] if "json" in spec else spec.get("text", "")
        return cls(content=content, **fields)

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return json.dumps(self.content, ensure_ascii=False)


ScriptItem = Reply | dict | list | str | Callable[[dict[str, Any]], Any]


def slow(delay_s: float, content: Any = None) -> Reply:
    """Answer after `delay_s` seconds (before any header is sent)."""
    return Reply(content={"intent": "other"} if content is None else content, delay_s=delay_s)


def http_status(status: int, error: str = "internal server error") -> Reply:
    """Answer with HTTP `status` and Ollama's error body `{"error": ...}`."""
    return Reply(status=status, error=error)


def as_reply(item: Any, body: dict[str, Any]) -> Reply:
    if callable(item) and not isinstance(item, Reply):
        item = item(body)
    return item if isinstance(item, Reply) else Reply(content=item)


def unused_port() -> int:
    """A local TCP port nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    body: Any
    at: float


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _model_entry(name: str) -> dict[str, Any]:
    details = {"format": "gguf", "family": name.split(":")[0], "parameter_size": "72.7B"}
    return {
        "name": name,
        "model": name,
        "modified_at": _now(),
        "size": 41_000_000_000,
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": {**details, "quantization_level": "Q4_0"},
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "fake-ollama"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake ollama: " + format, *args)

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.record("GET", self.path, None)
        if self.path == "/":
            self._send(200, b"Ollama is running", "text/plain; charset=utf-8")
        elif self.path == "/api/version":
            self._json(200, {"version": "0.12.0"})
        elif self.path == "/api/tags":
            self._json(200, {"models": [_model_entry(m) for m in fake.models]})
        else:
            self._send(404, b"404 page not found", "text/plain")

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        fake.record("POST", self.path, body)
        model = body.get("model") if isinstance(body, dict) else None
        if self.path not in ("/api/show", "/api/chat"):
            self._send(404, b"404 page not found", "text/plain")
        elif model not in fake.models:
            self._json(404, {"error": f'model "{model}" not found, try pulling it first'})
        elif self.path == "/api/show":
            self._json(200, _show(model))
        else:
            self._chat(body)

    def _chat(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        reply = fake.next_reply(body)
        if reply.delay_s and fake.stopping.wait(reply.delay_s):
            return  # shutting down
        if reply.status != 200:
            self._json(reply.status, {"error": reply.error})
            return
        text = reply.text()
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
        prompt_tokens = prompt_chars // 4 + 1 if reply.prompt_eval_count is None else reply.prompt_eval_count
        final = {
            "model": body["model"],
            "created_at": _now(),
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": reply.done_reason,
            "total_duration": 1_250_000_000,
            "load_duration": 20_000_000,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 200_000_000,
            "eval_count": len(text) // 4 + 1 if reply.eval_count is None else reply.eval_count,
            "eval_duration": 1_000_000_000,
        }
        if not body.get("stream", True):
            final["message"]["content"] = text
            self._json(200, final)
            return
        step = max(1, len(text) // 3 + 1)
        head = {"model": body["model"], "created_at": final["created_at"], "done": False}
        parts = [
            {**head, "message": {"role": "assistant", "content": text[i : i + step]}}
            for i in range(0, len(text), step)
        ]
        lines = b"".join(json.dumps(p, ensure_ascii=False).encode() + b"\n" for p in [*parts, final])
        self._send(200, lines, "application/x-ndjson", length=False)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, data: bytes, ctype: str, *, length: bool = True) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if length:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            log.debug("fake ollama: client went away before the answer")


def _show(model: str) -> dict[str, Any]:
    return {
        "modelfile": f"FROM {model}\n",
        "parameters": "stop <|im_end|>",
        "template": "{{ .Prompt }}",
        "details": _model_entry(model)["details"],
        "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
        "capabilities": ["completion"],
        "modified_at": _now(),
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOllama


class FakeOllama:
    """The server; a context manager. `default` answers once the script is used up (else 500)."""

    def __init__(
        self,
        script: Iterable[ScriptItem] = (),
        *,
        models: Iterable[str] = (DEFAULT_MODEL,),
        host: str = "127.0.0.1",
        port: int = 0,
        default: ScriptItem | None = None,
    ) -> None:
        self.models = list(models)
        self.default = default
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._script: deque[ScriptItem] = deque(script)
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _Handler, bind_and_activate=False)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def chat_bodies(self) -> list[dict[str, Any]]:
        """Bodies of every `/api/chat` request so far, oldest first."""
        with self._lock:
            return [r.body for r in self.requests if r.path == "/api/chat"]

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def push(self, *items: ScriptItem) -> None:
        with self._lock:
            self._script.extend(items)

    def record(self, method: str, path: str, body: Any) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, body, time.monotonic()))

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            item = self._script.popleft() if self._script else self.default
        if item is None:
            return http_status(500, "fake ollama: script exhausted")
        return as_reply(item, body)

    def start(self) -> FakeOllama:
        self._httpd.server_bind()
        self._httpd.server_activate()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-ollama", daemon=True
        )
        self._thread.start()
        log.info("fake ollama listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_script(path: Path) -> list[Reply]:
    return [Reply.from_spec(spec) for spec in json.loads(path.read_text(encoding="utf-8"))]


def serve_forever(argv: list[str] | None = None) -> None:
    """CLI: serve until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.fake_ollama")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--script", type=Path, help="JSON list of replies, see Reply.from_spec")
    parser.add_argument("--model", action="append", help=f"served model (repeatable; {DEFAULT_MODEL})")
    parser.add_argument("--default", help="JSON reply spec once the script is used up")
    parser.add_argument("--url-file", type=Path, help="write the base URL here once listening")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    default = Reply.from_spec(json.loads(args.default)) if args.default else None
    script = load_script(args.script) if args.script else []
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    models = args.model or [DEFAULT_MODEL]
    with FakeOllama(script, models=models, host=args.host, port=args.port, default=default) as server:
        if args.url_file:
            args.url_file.write_text(server.base_url, encoding="utf-8")
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()


if __name__ == "__main__":
    serve_forever()
