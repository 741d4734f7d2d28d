"""MongoDB store: the system of record and the bus between processes."""

from agent.store.db import Store, connect_store

__all__ = ["Store", "connect_store"]
