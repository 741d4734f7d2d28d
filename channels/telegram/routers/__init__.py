"""The bot's routers, one per feature, registered in one place (`build_router`).

Each feature module has a `<feature>_router()` factory rather than a module-level `Router()`:
an aiogram router can be attached to one parent only, and tests (or a second bot) build several
dispatchers in one process. Only private chats are handled; the bot ignores groups and channels
it is added to, on purpose.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from channels.telegram.routers.contact_share import contact_share_router
from channels.telegram.routers.edited import edited_router
from channels.telegram.routers.media import media_router
from channels.telegram.routers.membership import membership_router
from channels.telegram.routers.start import start_router
from channels.telegram.routers.text import text_router


def build_router() -> Router:
    """The root router. Order matters: commands before plain text, the media catch-all last."""
    root = Router(name="telegram")
    private = F.chat.type == ChatType.PRIVATE
    root.message.filter(private)
    root.edited_message.filter(private)
    root.my_chat_member.filter(private)
    root.include_routers(start_router(), text_router(), contact_share_router(), media_router(), edited_router(),
                         membership_router())
    return root
