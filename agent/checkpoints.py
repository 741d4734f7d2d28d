"""The checkpointer: langgraph's MongoDBSaver, reading a turn's checkpoint in one round trip.

The graph runs with `durability="exit"`, so a finished turn leaves no pending writes; the saver
still queried `checkpoint_writes` on every read. Here a checkpoint that ever got writes is flagged
(`has_writes`), and only a flagged one pays for the second query. Also prunes old checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import CheckpointTuple, get_checkpoint_id
from langgraph.checkpoint.mongodb import MongoDBSaver
from langgraph.checkpoint.mongodb.utils import loads_metadata

HAS_WRITES = "has_writes"


class TurnSaver(MongoDBSaver):
    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        super().put_writes(config, writes, task_id, task_path)
        conf = config["configurable"]
        self.checkpoint_collection.update_one(
            {"thread_id": conf["thread_id"], "checkpoint_ns": conf["checkpoint_ns"],
             "checkpoint_id": conf["checkpoint_id"]},
            {"$set": {HAS_WRITES: True}}, upsert=True)

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread_id = config["configurable"]["thread_id"]
        checkpoint_ns = config["configurable"].get("checkpoint_ns", "")
        query: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
        if checkpoint_id := get_checkpoint_id(config):
            query["checkpoint_id"] = checkpoint_id
        for doc in self.checkpoint_collection.find(query, sort=[("checkpoint_id", -1)], limit=1):
            if "checkpoint" not in doc:  # only writes were flagged on it: let the saver decide
                return super().get_tuple(config)
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
        return None

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
