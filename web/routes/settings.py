"""Settings, read-only, every secret masked (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from channels.email.settings import load_email_settings
from channels.telegram.settings import load_telegram_settings
from web.deps import Admin, DeskDep, render
from web.masking import settings_rows

router = APIRouter(tags=["settings"])


@router.get("/settings")
async def settings_page(request: Request, user: Admin, desk: DeskDep) -> Response:
    groups = [("Agent", settings_rows(desk.settings)), ("Web desk", settings_rows(desk.web))]
    for title, load in (("Email", load_email_settings), ("Telegram", load_telegram_settings)):
        try:
            groups.append((title, settings_rows(load())))
        except Exception as exc:  # an invalid channel setting: say so, never show its value
            groups.append((title, [("error", type(exc).__name__ + ": invalid settings")]))
    return render(request, "settings.html", {"user": user, "groups": groups})
