"""A person of the sales team answers inside the email thread: the take-over reply goes out over
the real SMTP server into the client's mailbox (dovecot) in the same thread as the outreach."""

from __future__ import annotations

from agent.contracts import message_id_for
from agent.operations import add_contact, send_as_person, take_over
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.email.sender import EmailChannel
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import Addresses
from tests.integration.email.mail import wait_for_mail
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer


async def test_a_persons_reply_lands_in_the_same_email_thread(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot,
        smtp: SmtpServer) -> None:
    store, settings = runtime.store, runtime.settings
    channel = EmailChannel(store, settings, email_settings, runtime.clock)
    contact, _ = await add_contact(store, settings, runtime.clock, {
        "name": "Ольга Смирнова", "company": "Сеть аптек «Здоровье»", "email": addrs.client})
    await pump(runtime, [channel])
    [outreach] = await wait_for_mail(dovecot, addrs.client, 1)

    await take_over(store, runtime.clock, contact["_id"], "Мария")
    text = "Ольга, добрый день! Это Мария из Napoleon IT, подключу Вас к пилоту лично. Удобно завтра в 11?"
    key = await send_as_person(store, runtime.clock, contact["_id"], text, "Мария")
    await pump(runtime, [channel])

    mails = await wait_for_mail(dovecot, addrs.client, 2)
    answer = mails[1]
    assert answer["In-Reply-To"] == outreach["Message-ID"]  # the thread the agent started
    assert outreach["Message-ID"] in answer["References"].split()
    assert answer["Subject"] == f"Re: {outreach['Subject']}"
    assert answer["Message-ID"] == message_id_for(f"{key}:reply", addrs.agent)
    assert answer.get_body(preferencelist=("plain",)).get_content().strip() == text  # as the person wrote it
    state = await runtime.graph.aget_state({"configurable": {"thread_id": contact["_id"]}})
    assert state.values["history"][-1] == {**state.values["history"][-1], "role": "person", "by": "Мария",
                                           "text": text, "channel": "email"}
