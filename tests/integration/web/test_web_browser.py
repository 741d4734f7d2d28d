"""A person at the desk, in a real browser (Debian's Chromium through Playwright): log in, approve
a draft and see it go out, take over and reply, import a CSV with a bad row, opt a contact out.
Every page is screenshotted into tests/output/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from tests.integration.test_conversation_flows import Recorder
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, serve_desk
from tests.support.web import PASSWORD, add_user

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium (.ci/install.d)")]

CSV = ("name,company,email,timezone\n"
       "Пётр Сидоров,Сеть кофеен «Зерно»,petr@zerno.example,Europe/Moscow\n"
       "Плохая Строка,Нет почты,not-an-email,\n"
       "Мария Ким,Автосалоны «Восток»,maria@vostok.example,Asia/Vladivostok\n")


async def test_a_person_works_the_desk(runtime: AgentRuntime, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    rt = runtime
    rt.settings.approval = "outreach"
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock,
                                   {"name": "Ольга Смирнова", "company": "Сеть аптек «Здоровье»", "channel": "console"})
    channel = Recorder()
    await pump(rt, [channel])
    [draft] = await rt.store.drafts.list()
    await add_user(rt.store, rt.clock, "maria", "admin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with serve_desk(rt.settings, rt.clock) as base:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = await browser.new_page(viewport={"width": 1360, "height": 900})
            errors: list[str] = []  # CSP violations and script errors show up here
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            async def shot(name: str) -> None:
                await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

            # log in
            await page.goto(f"{base}/review")
            await expect(page.get_by_role("button", name="Log in")).to_be_visible()
            await shot("01-login")
            await page.get_by_label("User name").fill("maria")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()

            # approve the draft and see it go out
            await expect(page.get_by_role("heading", name="Review")).to_be_visible()
            await expect(page.get_by_role("article", name="Draft to Ольга Смирнова")).to_be_visible()
            await shot("02-review")
            async with page.expect_response(lambda r: "/review/queue" in r.url, timeout=8000) as polled:
                pass  # the queue refreshes itself (htmx polling every 5 s)
            assert (await polled.value).status == 200
            await page.get_by_role("button", name="Approve").click()
            await expect(page.get_by_role("status")).to_contain_text("Draft approved")
            await pump(rt, [channel])
            assert [m.text for m in channel.sent if m.kind != "team"] == [draft["text"]]
            sent = [m for m in await rt.store.outbox.for_contact(contact["_id"]) if m.get("kind") != "team"]
            assert [m["status"] for m in sent] == ["sent"]

            # take over and reply
            await page.goto(f"{base}/contacts/{contact['_id']}")
            await expect(page.get_by_role("heading", name="Ольга Смирнова")).to_be_visible()
            await page.get_by_role("button", name="Take over").click()
            await expect(page.get_by_role("button", name="Give back to the agent")).to_be_visible()
            await page.get_by_label("Message").fill("Ольга, добрый день! Это Мария, я подключилась к переписке.")
            await page.get_by_role("button", name="Send reply").click()
            await pump(rt, [channel])
            assert channel.sent[-1].text.startswith("Ольга, добрый день! Это Мария")
            await page.reload()
            await expect(page.get_by_text("я подключилась к переписке").first).to_be_visible()
            await shot("03-conversation")
            events = {e["type"]: e["data"].get("by") for e in await rt.store.events.for_contact(contact["_id"])}
            assert events["draft_approved"] == "maria" and events["taken_over"] == "maria"
            assert events["person_message"] == "maria"

            # import a CSV with a bad row
            csv_path = tmp_path / "leads.csv"
            csv_path.write_text(CSV, encoding="utf-8")
            await page.get_by_role("link", name="Import").click()
            await page.get_by_label("CSV file").set_input_files(str(csv_path))
            await page.get_by_role("button", name="Import").click()
            await expect(page.get_by_role("status")).to_contain_text("Imported 2 contact(s)")
            await expect(page.get_by_text("row 3: not an email address: 'not-an-email'")).to_be_visible()
            await shot("04-import")

            # opt a contact out
            await page.get_by_role("link", name="Contacts").click()
            await page.get_by_role("searchbox", name="Search").fill("Пётр")
            await page.get_by_role("button", name="Filter").click()
            await page.get_by_role("link", name="Пётр Сидоров").click()
            await page.get_by_text("Opt out…").click()
            await page.get_by_role("button", name="Confirm opt-out").click()
            await expect(page.get_by_text("opted_out").first).to_be_visible()
            petr = await rt.store.contacts.find_by_address("email", "petr@zerno.example")
            assert petr is not None and petr["status"] == "opted_out"
            await shot("05-opted-out")

            # the other pages
            for name, path, heading in (("06-contacts", "/contacts", "Contacts"), ("07-pipeline", "/pipeline", "Pipeline"),
                                        ("08-health", "/health", "Health"), ("09-settings", "/settings", "Settings")):
                await page.goto(base + path)
                await expect(page.get_by_role("heading", name=heading)).to_be_visible()
                await shot(name)
            await browser.close()
            assert errors == []
