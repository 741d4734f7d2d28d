"""Import leads from a CSV upload: good rows import, bad rows are listed with their row number."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response

from agent import operations
from agent.contacts_import import ImportFileError, read_rows
from web.deps import CSRF, DeskDep, Operator, StoreDep, render

router = APIRouter(tags=["imports"])
MAX_BYTES = 5_000_000


@router.get("/import")
async def import_page(request: Request, user: Operator) -> Response:
    return render(request, "import.html", {"user": user, "result": None})


@router.post("/import", dependencies=[CSRF])
async def import_csv(request: Request, file: UploadFile, user: Operator, desk: DeskDep, store: StoreDep,
                     start: Annotated[bool, Form()] = False,
                     batch: Annotated[str, Form(max_length=80)] = "") -> Response:
    raw = await file.read(MAX_BYTES + 1)
    now = desk.clock.now()
    local = now.astimezone(ZoneInfo(desk.settings.default_timezone))
    name = batch.strip() or f"{Path(file.filename or 'upload').stem} {local:%Y-%m-%d %H:%M}"
    result: dict[str, object] = {"batch": name, "file": file.filename, "imported": 0, "errors": []}
    if len(raw) > MAX_BYTES:
        result["fatal"] = f"the file is larger than {MAX_BYTES // 1_000_000} MB"
        return render(request, "import.html", {"user": user, "result": result}, status=413)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_bytes(raw)
        try:
            imported, errors = await operations.import_contacts(store, desk.settings, desk.clock, read_rows(path),
                                                                user.name, name, start=start)
        except ImportFileError as exc:
            result["fatal"] = str(exc).replace(str(path), file.filename or "the file")
            return render(request, "import.html", {"user": user, "result": result}, status=422)
    result.update(imported=imported, errors=errors)
    desk.menus.clear()  # a new batch for the filter menus
    return render(request, "import.html", {"user": user, "result": result})
