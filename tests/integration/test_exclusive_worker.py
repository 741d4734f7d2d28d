"""The conversation, review and model-outage flows again with the worker as it runs on the embedded
default: the only worker on the database (events taken with one read, no contact lock, its own
checkpoints read from memory). Same tests, same expectations."""

from __future__ import annotations

import pytest

from agent.runtime import AgentRuntime
from tests.integration.test_conversation_flows import *  # noqa: F403
from tests.integration.test_model_outage import *  # noqa: F403
from tests.integration.test_review_and_takeover import *  # noqa: F403


@pytest.fixture(autouse=True)
def exclusive_worker(runtime: AgentRuntime) -> None:
    runtime.worker(exclusive=True)
