"""The checkpointer: langgraph's MongoDBSaver, reading a turn's checkpoint in one round trip.

The graph runs with `durability="exit"`, so a finished turn leaves no pending writes; the saver
still queried `checkpoint_writes` on every read. Here a checkpoint that ever got writes is flagged
(`has_writes`), and only a flagged one pays for the second query. Also prunes old checkpoints."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.mongodb import MongoDBSaver
from langgraph.checkpoint.mongodb.utils import dumps_metadata, loads_metadata

HAS_WRITES = "has_writes"
REMEMBERED = 10_000  # default: threads whose latest checkpoint a `remember`ing saver keeps in memory


class _RecordingSerde:
    """The saver's serializer, able to record what it dumps during one `put` on this thread, so a
    remembering saver keeps the bytes the database got instead of serializing the checkpoint twice."""

    def __init__(self, serde: Any) -> None:
        self._serde = serde
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._serde, name)

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        dumped: tuple[str, bytes] = self._serde.dumps_typed(obj)
        record = getattr(self._local, "record", None)
        if record is not None:
            record.append((obj, dumped))
        return dumped

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self._serde.loads_typed(data)

    @contextmanager
    def recording(self) -> Iterator[Callable[[Any], tuple[str, bytes]]]:
        """Within the block, record dumps; yields `dumped(obj)`: the recorded bytes of that very
        object, or a new dump if it was not dumped in the block."""
        record: list[tuple[Any, tuple[str, bytes]]] = []
        self._local.record = record

        def dumped(obj: Any) -> tuple[str, bytes]:
            for seen, pair in record:
                if seen is obj:
                    return pair
            return self.dumps_typed(obj)

        try:
            yield dumped
        finally:
            self._local.record = None


class TurnSaver(MongoDBSaver):
    """`remember` (set for the only worker on the database, see `AgentRuntime.worker`): the latest
    checkpoint this process wrote for a thread is kept in memory (LRU, `capacity` threads) and a
    turn reads it from there, not from the database: nobody else writes checkpoints then."""

    remember: bool = False
    capacity: int = REMEMBERED

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._serde = _RecordingSerde(self.serde)
        self.serde = self._serde
        self._latest: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._written: dict[tuple[str, str], str] = {}  # the checkpoint that got pending writes last
        self._lock = threading.Lock()

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        if not self.remember:
            return super().put(config, checkpoint, metadata, new_versions)
        with self._serde.recording() as dumped:
            saved = super().put(config, checkpoint, metadata, new_versions)
            type_, data = dumped(checkpoint)
        conf = saved["configurable"]
        key = (conf["thread_id"], conf["checkpoint_ns"])
        doc = {"checkpoint_id": conf["checkpoint_id"], "parent_checkpoint_id": config["configurable"].get("checkpoint_id"),
               "type": type_, "checkpoint": data,
               "metadata": dumps_metadata(self.serde, get_checkpoint_metadata(config, metadata))}
        with self._lock:
            self._latest[key] = doc
            self._latest.move_to_end(key)
            while len(self._latest) > self.capacity:
                self._latest.popitem(last=False)
        return saved

    def remember_own(self, on: bool, capacity: int = REMEMBERED) -> None:
        """Switch the memory of own checkpoints on or off (either way, start from the database)."""
        with self._lock:
            self.remember = on and capacity > 0
            self.capacity = capacity
            self._latest.clear()
            self._written.clear()

    def forget(self, thread_id: str, checkpoint_ns: str = "") -> None:
        with self._lock:
            self._latest.pop((thread_id, checkpoint_ns), None)

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        super().put_writes(config, writes, task_id, task_path)
        conf = config["configurable"]
        with self._lock:  # a checkpoint with pending writes (an interrupt) is read from the database
            if len(self._written) >= 10 * self.capacity:  # bounded: forgetting only costs a read
                self._written.clear()
                self._latest.clear()
            self._written[(conf["thread_id"], conf["checkpoint_ns"])] = conf["checkpoint_id"]
            self._latest.pop((conf["thread_id"], conf["checkpoint_ns"]), None)
        self.checkpoint_collection.update_one(
            {"thread_id": conf["thread_id"], "checkpoint_ns": conf["checkpoint_ns"],
             "checkpoint_id": conf["checkpoint_id"]},
            {"$set": {HAS_WRITES: True}}, upsert=True)

    def delete_thread(self, thread_id: str) -> None:
        with self._lock:
            for key in [k for k in self._latest if k[0] == thread_id]:
                self._latest.pop(key, None)
                self._written.pop(key, None)
        super().delete_thread(thread_id)

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread_id = config["configurable"]["thread_id"]
        checkpoint_ns = config["configurable"].get("checkpoint_ns", "")
        checkpoint_id = get_checkpoint_id(config)
        if self.remember and not checkpoint_id:
            with self._lock:
                cached = self._latest.get((thread_id, checkpoint_ns))
                written = self._written.get((thread_id, checkpoint_ns))
            if cached is not None and cached["checkpoint_id"] != written:
                return self._tuple(cached, thread_id, checkpoint_ns)
        query: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
        if checkpoint_id:
            query["checkpoint_id"] = checkpoint_id
        for doc in self.checkpoint_collection.find(query, sort=[("checkpoint_id", -1)], limit=1):
            if "checkpoint" not in doc:  # only writes were flagged on it: let the saver decide
                return super().get_tuple(config)
            return self._tuple(doc, thread_id, checkpoint_ns)
        return None

    def _tuple(self, doc: dict[str, Any], thread_id: str, checkpoint_ns: str) -> CheckpointTuple:
        values = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "checkpoint_id": doc["checkpoint_id"]}
        pending = []
        if doc.get(HAS_WRITES):
            pending = [(w["task_id"], w["channel"], self.serde.loads_typed((w["type"], w["value"])))
                       for w in self.writes_collection.find(values)]
        parent = doc.get("parent_checkpoint_id")
        return CheckpointTuple(
            {"configurable": values},
            self.serde.loads_typed((doc["type"], doc["checkpoint"])),
            loads_metadata(self.serde, doc["metadata"]),
            {"configurable": {**values, "checkpoint_id": parent}} if parent else None,
            pending,
        )

    def prune_old(self, keep: int, limit_threads: int = 1000) -> int:
        """Delete checkpoints beyond the latest `keep` per thread (and their writes). Returns how many."""
        removed = 0
        threads = self.checkpoint_collection.distinct("thread_id")[:limit_threads]
        for thread_id in threads:
            old = [doc["checkpoint_id"] for doc in self.checkpoint_collection.find(
                {"thread_id": thread_id}, {"checkpoint_id": 1}, sort=[("checkpoint_id", -1)], skip=keep)]
            if old:
                removed += self.checkpoint_collection.delete_many(
                    {"thread_id": thread_id, "checkpoint_id": {"$in": old}}).deleted_count
                self.writes_collection.delete_many({"thread_id": thread_id, "checkpoint_id": {"$in": old}})
        return removed
