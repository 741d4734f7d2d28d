"""The sending mailboxes setting and a new mailbox's warm-up ramp."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from agent.pacing import Mailbox, mailboxes
from agent.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_unset_means_the_sender_mailbox_with_the_daily_limit() -> None:
    assert mailboxes(settings(sender_email="Anna@Seed.ru", email_daily_limit=120)) == [Mailbox("anna@seed.ru", 120)]


def test_a_list_of_mailboxes_with_limits_and_a_warm_up_start() -> None:
    boxes = mailboxes(settings(sending_mailboxes="anna@seed.ru:200, oleg@seed.ru:150:2026-12-01, ira@seed.ru",
                               email_daily_limit=90))
    assert boxes == [Mailbox("anna@seed.ru", 200), Mailbox("oleg@seed.ru", 150, date(2026, 12, 1)),
                     Mailbox("ira@seed.ru", 90)]


def test_the_ramp_starts_low_grows_each_day_and_stops_at_the_limit() -> None:
    s = settings(mailbox_warmup_start=20, mailbox_warmup_step=15, campaign_outreach_share=0.5)
    box = Mailbox("oleg@seed.ru", 60, date(2026, 12, 1))
    assert [box.limit_on(date(2026, 11, 30 + d) if d == 0 else date(2026, 12, d), s) for d in range(6)] == \
        [0, 20, 35, 50, 60, 60]
    assert box.outreach_on(date(2026, 12, 2), s) == 17  # half of 35 for first messages


@pytest.mark.parametrize("bad", ["anna", "anna@seed.ru:many", "anna@seed.ru:10:tomorrow", "a b@seed.ru"])
def test_a_malformed_entry_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ValidationError, match="SENDING_MAILBOXES"):
        settings(sending_mailboxes=bad)
