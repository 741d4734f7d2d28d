"""`users`: the sales team's logins for the web desk (name, role, argon2 hash; never a password)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agent.store.errors import StoreError

Role = Literal["admin", "operator", "viewer"]
ROLES: tuple[str, ...] = get_args(Role)


class UserRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["users"]

    async def ensure_indexes(self) -> None:
        """The user name is the `_id`: unique without another index."""

    async def create(self, name: str, role: str, password_hash: str, now: datetime) -> dict[str, Any]:
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
        doc = {"_id": name, "role": role, "password_hash": password_hash, "created_at": now, "active": True}
        try:
            await self.col.insert_one(doc)
        except DuplicateKeyError as exc:
            raise StoreError(f"a user named {name!r} already exists") from exc
        return doc

    async def get(self, name: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": name})

    async def set_password(self, name: str, password_hash: str, now: datetime) -> bool:
        result = await self.col.update_one({"_id": name}, {"$set": {"password_hash": password_hash,
                                                                     "password_changed_at": now}})
        return result.matched_count == 1

    async def record_login(self, name: str, now: datetime) -> None:
        await self.col.update_one({"_id": name}, {"$set": {"last_login_at": now}})

    async def list(self) -> list[dict[str, Any]]:
        return [u async for u in self.col.find({}, {"password_hash": 0}).sort("_id", 1)]
