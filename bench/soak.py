"""Soak: inbound messages over email and Telegram through real `sales-agent` processes, with faults.

    python bench/soak.py [--messages 1000] [--seed 11] [--json out.json]

The real local servers of the tests: dovecot (IMAP) and aiosmtpd (SMTP) for email, the fake Bot API
for Telegram, the fake Ollama for the model. The database is `sales-agent db serve` (the embedded
server as a process of its own); the agent is `sales-agent worker`, `sales-agent email` and
`sales-agent telegram`, each a process. While the clients write, the faults come in a random order:
kill -9 of the worker, of the email and the Telegram processes (listener and sender), of the
database server, a model outage (the fake Ollama stopped, then back on the same port) and a clean
database restart. Some clients opt out mid-way and write again after it.

Every client message carries a number («Вопрос 17: …») that the model's answer repeats, so each
reply is tied to the message it answers. It reports:
- lost inbound: a message sent before the client's opt-out that never got its reply (or never
  reached the inbox);
- duplicate outbound: a reply delivered twice (the same number, or the same email Message-ID);
- messages after an opt-out: anything the sender let go to a client after the client's opt-out
  had reached the inbox (read or not), or a reply to a message written after it;
- drain: seconds from the last fault until every expected reply was delivered and nothing waits
  in the inbox or the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import os
import random
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent import embedded_mongo  # noqa: E402
from agent.store import connect_store  # noqa: E402
from tests.support.dovecot import running_dovecot  # noqa: E402
from tests.support.fake_bot_api import FakeBotApi  # noqa: E402
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama  # noqa: E402
from tests.support.smtp_server import running_smtp  # noqa: E402

AGENT, TEAM = "agent@soak.test", "team@soak.test"
DB = "sales_agent_soak"
NUMBER = re.compile(r"Вопрос (\d+)")
OPT_OUT = "Пожалуйста, больше не пишите мне."
ANSWER = "По вопросу {n}: мы собираем отзывы с Яндекс Карт, 2ГИС, Google Maps, Отзовика, IRecommend и Flamp."
FAULTS = ["kill_worker", "kill_email", "kill_telegram", "kill_database", "model_outage", "restart_database",
          "kill_worker", "kill_email", "kill_telegram"]


def model_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The fake model reads the number of the client's question and answers it from the facts."""
    text = next((m["content"] for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
    found = NUMBER.search(text)
    n = found.group(1) if found else "?"
    return {"intent": "question", "question": text[:200], "topics": ["platforms"], "answer": ANSWER.format(n=n)}


@dataclass
class Client:
    contact_id: str
    channel: str  # email | telegram
    address: str  # email address or chat id
    opt_out_after: int | None = None  # index of the message after which the client opts out
    sent: list[int] = field(default_factory=list)  # question numbers, in order
    opted_out_at: int | None = None  # position in `sent` when the opt-out went


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen([str(ROOT / ".venv/bin/sales-agent"), *self.args], env=self.env, cwd=ROOT,
                                      stdout=self.log.open("ab"), stderr=subprocess.STDOUT)

    def kill9(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


class Soak:
    def __init__(self, opts: argparse.Namespace, work: Path) -> None:
        self.opts, self.work = opts, work
        self.rng = random.Random(opts.seed)
        self.events: list[tuple[float, str]] = []
        self.last_fault = 0.0
        self.clock_offset = time.time() - time.monotonic()  # Bot API call times are monotonic
        self.busy: set[str] = set()  # processes a fault is handling right now
        self.unexpected_exits: list[str] = []

    def note(self, what: str) -> None:
        self.events.append((time.time(), what))
        print(f"[{time.strftime('%H:%M:%S')}] {what}", flush=True)

    # --- the database server -------------------------------------------------------------
    def start_db(self) -> None:
        self.db.start()
        deadline = time.monotonic() + 60
        while not embedded_mongo.ping(self.uri):
            if time.monotonic() > deadline:
                raise RuntimeError(f"db serve did not start: {self.db.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def db_server_pid(self) -> int:
        state = json.loads((self.work / "data" / "mongo.server.json").read_text())
        return int(state["pid"])

    # --- faults --------------------------------------------------------------------------
    async def fault(self, kind: str) -> None:
        self.note(f"fault: {kind}")
        if kind in ("kill_worker", "kill_email", "kill_telegram"):
            proc = {"kill_worker": self.worker, "kill_email": self.email, "kill_telegram": self.telegram}[kind]
            self.busy.add(proc.name)
            proc.kill9()
            await asyncio.sleep(self.rng.uniform(0.5, 3.0))
            proc.start()
            self.busy.discard(proc.name)
        elif kind == "kill_database":
            os.kill(self.db_server_pid(), signal.SIGKILL)
            assert self.db.popen is not None
            await asyncio.to_thread(self.db.popen.wait, 30)  # `db serve` says its server died and exits 1
            await asyncio.sleep(self.rng.uniform(2.0, 5.0))
            await asyncio.to_thread(self.start_db)
        elif kind == "restart_database":
            self.db.stop()
            await asyncio.sleep(1.0)
            await asyncio.to_thread(self.start_db)
        elif kind == "model_outage":
            self.ollama.stop()
            await asyncio.sleep(self.rng.uniform(8.0, 15.0))
            self.ollama = FakeOllama(port=self.ollama_port, default=model_answer).start()
        self.last_fault = time.time()
        self.note(f"fault over: {kind}")

    async def supervise(self, stop: asyncio.Event) -> None:
        """Like `restart: unless-stopped` in compose.yaml: a process that exits by itself is started
        again (and counted), so a start that met a dead database does not end the soak."""
        while not stop.is_set():
            for proc in (self.worker, self.email, self.telegram):
                if proc.name not in self.busy and proc.popen is not None and proc.popen.poll() is not None:
                    self.unexpected_exits.append(f"{proc.name} exited with {proc.popen.returncode}")
                    self.note(f"{proc.name} exited by itself (code {proc.popen.returncode}); restarting it")
                    proc.start()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    # --- clients -------------------------------------------------------------------------
    def send(self, client: Client, text: str, n: int | None) -> None:
        if client.channel == "email":
            msg = EmailMessage()
            msg["From"], msg["To"] = client.address, AGENT
            msg["Subject"] = f"Вопрос {n}" if n is not None else "Отписка"
            msg["Message-ID"] = email.utils.make_msgid(domain="client.soak.test")
            msg["Date"] = email.utils.formatdate(localtime=False)
            msg.set_content(text)
            with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=30) as conn:
                conn.send_message(msg)
        else:
            self.api.message(int(client.address), text)

    async def feed(self, clients: list[Client]) -> None:
        plan: list[Client] = [c for c in clients for _ in range(self.per_client)]
        self.rng.shuffle(plan)
        faults = list(FAULTS)
        self.rng.shuffle(faults)
        fault_at = {int(len(plan) * (i + 1) / (len(faults) + 1)): kind for i, kind in enumerate(faults)}
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        async def one_fault_at_a_time() -> None:
            while (kind := await queue.get()) is not None:
                await self.fault(kind)

        faulting = asyncio.create_task(one_fault_at_a_time())
        number = 0
        for i, client in enumerate(plan):
            if i in fault_at:
                queue.put_nowait(fault_at[i])
            if client.opt_out_after is not None and len(client.sent) == client.opt_out_after \
                    and client.opted_out_at is None:
                client.opted_out_at = len(client.sent)
                await asyncio.to_thread(self.send, client, OPT_OUT, None)
                self.note(f"{client.contact_id} opts out after {len(client.sent)} messages")
                await asyncio.sleep(self.opts.gap)
                continue
            number += 1
            client.sent.append(number)
            await asyncio.to_thread(self.send, client, f"Вопрос {number}: с какими площадками вы работаете?", number)
            await asyncio.sleep(self.opts.gap)
        self.note(f"all {number} questions sent; waiting for the faults to end")
        queue.put_nowait(None)
        await faulting

    # --- what reached the clients --------------------------------------------------------
    def delivered(self) -> list[tuple[str, float, str, str]]:
        """(recipient, wall time, text, message id) of everything delivered to a client."""
        out: list[tuple[str, float, str, str]] = []
        for d in list(self.smtp.handler.delivered):
            if d.rcpt in (AGENT, TEAM):
                continue
            msg = BytesParser(policy=default_policy).parsebytes(d.data)
            body = msg.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            out.append((d.rcpt, self.smtp_times.get(id(d), 0.0), text, str(msg["Message-ID"])))
        for call in self.api.delivered():
            if call.method == "sendmessage":
                out.append((str(call.chat_id), call.at + self.clock_offset, call.params.get("text", ""), ""))
        return out

    def expected_numbers(self, clients: list[Client]) -> set[int]:
        """Questions that must be answered: those of clients who never opted out. (A question sent
        just before an opt-out may rightly go unanswered: the opt-out suppresses a reply not yet sent.)"""
        return {n for c in clients if c.opted_out_at is None for n in c.sent}

    def answered(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _rcpt, _at, text, _mid in self.delivered():
            for n in re.findall(r"По вопросу (\d+)", text):
                counts[int(n)] = counts.get(int(n), 0) + 1
        return counts

    async def run(self) -> dict[str, Any]:
        opts, work = self.opts, self.work
        contacts = max(4, opts.messages // opts.per_client)
        self.per_client = opts.messages // contacts
        port = embedded_mongo.free_port()
        self.uri = embedded_mongo.uri_for(port)
        base_env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI",)}
        base_env.update(DATA_DIR=str(work / "data"), PYTHONPATH=str(ROOT))
        with running_dovecot() as imap, running_smtp(imap) as smtp, FakeBotApi() as api:
            self.smtp, self.api = smtp, api
            self.smtp_times: dict[int, float] = {}
            original_append = smtp.handler.append

            async def timed_append(rcpt: str, data: bytes) -> None:
                await original_append(rcpt, data)
                self.smtp_times[id(data)] = time.time()

            smtp.handler.append = timed_append  # type: ignore[method-assign]
            self.ollama = FakeOllama(default=model_answer).start()
            self.ollama_port = int(self.ollama.base_url.rsplit(":", 1)[1])
            env = {**base_env, "MONGODB_URI": self.uri, "MONGODB_DB": DB, "LLM_PROVIDER": "ollama",
                   "OLLAMA_BASE_URL": self.ollama.base_url, "OLLAMA_MODEL": DEFAULT_MODEL, "OLLAMA_TIMEOUT_S": "5",
                   "LLM_RETRIES": "1", "RETRY_BACKOFF_S": "1", "LLM_OUTAGE_RETRY_MAX_S": "4",
                   "WORKER_LEASE_S": "15", "SENDER_LEASE_S": "10", "MONGODB_TIMEOUT_S": "3",
                   "SENDER_EMAIL": AGENT, "SALES_TEAM_EMAIL": TEAM, "TEAM_CHANNEL": "email",
                   "IMAP_HOST": imap.host, "IMAP_PORT": str(imap.port), "IMAP_USER": AGENT,
                   "IMAP_PASSWORD": imap.password, "IMAP_SSL": "false", "SMTP_HOST": smtp.host,
                   "SMTP_PORT": str(smtp.port), "SMTP_USER": smtp.user, "SMTP_PASSWORD": smtp.password,
                   "SMTP_STARTTLS": "false", "EMAIL_SEND_WINDOW_START_HOUR": "0", "EMAIL_SEND_WINDOW_END_HOUR": "24",
                   "EMAIL_DAILY_LIMIT": "100000", "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE": api.base_url,
                   "TELEGRAM_PER_CHAT_PER_S": "1000", "TELEGRAM_GLOBAL_PER_S": "1000",
                   "TELEGRAM_POLLING_TIMEOUT_S": "1"}
            logs = work / "logs"
            logs.mkdir()
            db_env = {k: v for k, v in env.items() if k != "MONGODB_URI"}
            self.db = Proc("db", ["db", "serve", "--port", str(port)], db_env, logs / "db.log")
            self.worker = Proc("worker", ["worker"], env, logs / "worker.log")
            self.email = Proc("email", ["email", "listen"], env, logs / "email.log")
            self.telegram = Proc("telegram", ["telegram"], env, logs / "telegram.log")
            self.start_db()
            clients = await self.seed(contacts)
            for proc in (self.worker, self.email, self.telegram):
                proc.start()
            started = time.time()
            stop_supervising = asyncio.Event()
            supervisor = asyncio.create_task(self.supervise(stop_supervising))
            try:
                await self.feed(clients)
                expected = self.expected_numbers(clients)
                deadline = time.time() + opts.drain_timeout
                while time.time() < deadline:
                    if expected <= set(self.answered()) and await self.settled():
                        break
                    await asyncio.sleep(1.0)
                drained = time.time()
                await asyncio.sleep(opts.settle)  # anything late (a duplicate, a message after an opt-out)
                report = await self.report(clients, started, drained)
            finally:
                stop_supervising.set()
                await supervisor
                for proc in (self.worker, self.email, self.telegram, self.db):
                    proc.stop()
                self.ollama.stop()
        return report

    async def seed(self, contacts: int) -> list[Client]:
        store = connect_store(self.uri, DB)
        await store.init()
        now = datetime.now(UTC)
        clients = []
        opt_outs = set(self.rng.sample(range(contacts), max(1, contacts // 10)))
        for i in range(contacts):
            channel = "email" if i % 2 == 0 else "telegram"
            address = f"lead{i}@client.soak.test" if channel == "email" else str(700_000 + i)
            fields: dict[str, Any] = {"_id": f"c-soak{i:04d}", "name": f"Клиент {i}", "company": "ООО «Тест»",
                                      "channel": channel, "status": "active", "stage": "engaged",
                                      "outreach_sent_at": now}
            fields["email" if channel == "email" else "telegram_chat_id"] = \
                address if channel == "email" else int(address)
            await store.contacts.create(fields, now)
            opt_after = self.rng.randint(1, max(1, self.per_client - 2)) if i in opt_outs else None
            clients.append(Client(fields["_id"], channel, address, opt_after))
        await store.close()
        return clients

    def replies_to_late_questions(self, clients: list[Client]) -> list[str]:
        """Replies delivered to a question the client wrote after opting out."""
        by_address = {c.address: c for c in clients}
        found = []
        for rcpt, _at, text, _mid in self.delivered():
            client = by_address.get(rcpt)
            if client is None or client.opted_out_at is None:
                continue
            late = set(client.sent[client.opted_out_at:])
            if {int(n) for n in re.findall(r"По вопросу (\d+)", text)} & late:
                found.append(f"{client.contact_id}: reply to a question written after the opt-out: {text[:60]}")
        return found

    async def sent_after_opt_out_arrived(self, store: Any) -> list[str]:
        """Messages to a client that the sender let go after the client's opt-out was in the inbox.
        (One already handed to SMTP or the Bot API when the opt-out arrived is in flight, not late.)"""
        found = []
        async for stop in store.inbox.col.find({"text": OPT_OUT}):
            arrived = stop.get("ingested_at") or stop.get("received_at")
            async for doc in store.outbox.col.find({"contact_id": stop.get("contact_id"), "status": "sent"}):
                if doc.get("kind") != "team" and (doc.get("checked_at") or doc["sent_at"]) > arrived:
                    found.append(f"{doc['contact_id']}: {doc['_id']} let go "
                                 f"{((doc.get('checked_at') or doc['sent_at']) - arrived).total_seconds():.2f} s "
                                 "after the opt-out arrived")
        return found

    async def settled(self) -> bool:
        """Nothing waits in the inbox or the outbox (a turn or a send still to run after the faults)."""
        store = connect_store(self.uri, DB)
        try:
            busy = {"status": {"$in": ["received", "pending", "processing", "sending"]}}
            return not (await store.inbox.col.count_documents(busy) or await store.outbox.col.count_documents(busy))
        except Exception:  # the database may be restarting
            return False
        finally:
            await store.close()

    async def report(self, clients: list[Client], started: float, drained: float) -> dict[str, Any]:
        store = connect_store(self.uri, DB)
        inbox_texts = [doc.get("text") or "" async for doc in store.inbox.col.find({}, {"text": 1})]
        suppressed = {doc["contact_id"]: doc["at"].replace(tzinfo=UTC).timestamp()
                      async for doc in store.suppressions.col.find({})}
        statuses: dict[str, int] = {}
        async for doc in store.inbox.col.find({}, {"status": 1}):
            statuses[doc["status"]] = statuses.get(doc["status"], 0) + 1
        outbox: dict[str, int] = {}
        async for doc in store.outbox.col.find({}, {"status": 1}):
            outbox[doc["status"]] = outbox.get(doc["status"], 0) + 1
        unfinished = [doc.get("text") or "" async for doc in store.inbox.col.find({"status": {"$ne": "done"}})]
        late_sends = await self.sent_after_opt_out_arrived(store)
        await store.close()
        in_inbox = {int(n) for t in inbox_texts for n in NUMBER.findall(t)}
        answered = self.answered()
        expected = self.expected_numbers(clients)
        all_sent = {n for c in clients for n in c.sent}
        not_done = {int(n) for t in unfinished for n in NUMBER.findall(t)}
        lost = sorted({n for n in expected if n not in answered} | {n for n in all_sent if n not in in_inbox}
                      | not_done)
        never_ingested = sorted(n for n in all_sent if n not in in_inbox)
        duplicates = sum(count - 1 for count in answered.values() if count > 1)
        ids = [mid for _r, _a, _t, mid in self.delivered() if mid]
        duplicates += len(ids) - len(set(ids))
        after_opt_out = self.replies_to_late_questions(clients) + late_sends
        opted = [c for c in clients if c.opted_out_at is not None]
        return {
            "messages": len(all_sent) + len(opted), "questions": len(all_sent), "contacts": len(clients),
            "opt_outs": len(opted), "opt_outs_recorded": sum(c.contact_id in suppressed for c in opted),
            "faults": [w for _t, w in self.events if w.startswith("fault: ")],
            "lost_inbound": len(lost), "lost_numbers": lost[:20], "never_ingested": len(never_ingested),
            "duplicate_outbound": duplicates, "duplicated_numbers": sorted(n for n, k in answered.items() if k > 1),
            "messages_after_opt_out": len(after_opt_out), "after_opt_out": after_opt_out[:10],
            "replies_delivered": sum(answered.values()),
            "drain_after_last_fault_s": round(drained - self.last_fault, 1) if self.last_fault else None,
            "total_s": round(drained - started, 1), "inbox_statuses": statuses, "outbox_statuses": outbox,
            "unexpected_exits": self.unexpected_exits,
        }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000, help="questions the clients send (plus opt-outs)")
    parser.add_argument("--per-client", type=int, default=5, help="questions per client")
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between two client messages")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to watch for late messages after")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, data)")
    opts = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        report = asyncio.run(Soak(opts, work).run())
        report["work"] = str(work) if opts.keep else None
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if opts.json:
        opts.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return report


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        result = main()
        sys.exit(0 if result["lost_inbound"] == result["duplicate_outbound"] == result["messages_after_opt_out"] == 0
                 else 1)
