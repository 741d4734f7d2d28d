"""Settings from the environment / `.env` (pydantic-settings). Read once at start-up, then injected."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LlmProvider = Literal["auto", "ollama", "rules"]
Approval = Literal["off", "outreach", "model", "all"]
LlmTransport = Literal["http", "mongo"]
MAILBOX_ENTRY = re.compile(r"^[^\s:@,]+@[^\s:@,]+\.[^\s:@,]+(?::\d+(?::\d{4}-\d{2}-\d{2})?)?$")


class Settings(BaseSettings):
    """Every setting the agent reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    # --- storage ---------------------------------------------------------------------------
    mongodb_uri: SecretStr | None = Field(default=None, description="Real MongoDB; unset = embedded")
    mongodb_db: str = "sales_agent"
    data_dir: Path = Path(".data")
    embedded_mongo_port: int = 0  # 0 = pick a free port
    mongodb_connect_timeout_s: float = 3.0  # first contact: a dead server is one clear line after this
    mongodb_timeout_s: float = 10.0  # later operations wait this long for the server before the loops back off

    # --- model -----------------------------------------------------------------------------
    llm_provider: LlmProvider = "auto"
    ollama_base_url: str | None = None
    ollama_model: str = "qwen2:72b-instruct-q4_0"
    ollama_timeout_s: float = 120.0
    ollama_probe_timeout_s: float = 3.0
    # the model's context window in tokens (Ollama's `num_ctx`; its own default of 2048 would cut the
    # system prompt with the facts and the schema plus the history)
    ollama_num_ctx: int = Field(default=8192, ge=2048)
    llm_retries: int = 2
    llm_history_turns: int = 8
    # http: call OLLAMA_BASE_URL directly; mongo: through `llm_requests`, served by `sales-agent llm-relay`
    llm_transport: LlmTransport = "http"

    # --- model relay (`sales-agent llm-relay` on the GPU host; the asking side reads the first three)
    relay_poll_s: float = 0.05  # how often a waiting request / an idle relay looks at the queue
    relay_heartbeat_s: float = 5.0
    relay_host_timeout_s: float = 20.0  # a host whose last heartbeat is older is down
    relay_lease_s: float = 30.0  # renewed while the local Ollama works; a killed relay's claim runs out
    relay_name: str | None = None  # default: the host name
    relay_concurrency: int = 1

    # --- persona and product ---------------------------------------------------------------
    sender_name: str = "Анна"
    sender_company: str = "Napoleon IT"
    sender_email: str = "otzyvy@napoleonit.ru"
    # referrals: new contacts one client message may create, and one conversation in all
    referral_max_per_message: int = 3
    referral_max_per_conversation: int = 5
    sales_team_email: str = "sales@napoleonit.ru"
    team_channel: Literal["console", "email", "telegram"] = "console"  # where hand-off / demo notices go
    team_telegram_chat_id: str | None = None  # the team chat (TEAM_CHANNEL=telegram), e.g. -1001234567890
    public_base_url: str | None = None  # e.g. https://seed.example.ru: enables one-click unsubscribe links
    unsubscribe_secret: SecretStr | None = None  # signs the one-click unsubscribe tokens; env only, never logged
    meeting_link: str = "https://meet.napoleonit.ru/otzyvy-demo"
    presentation_url: str = "https://napoleonit.ru/otzyvy/presentation.pdf"
    presentation_path: Path | None = None
    prompts_dir: Path | None = None
    product_facts_path: Path | None = None

    # --- behaviour -------------------------------------------------------------------------
    default_timezone: str = "Europe/Moscow"
    send_window_start_hour: int = Field(default=9, ge=0, le=23)
    send_window_end_hour: int = Field(default=19, ge=1, le=23)
    send_on_weekends: bool = False
    follow_up_1_working_days: int = 3
    follow_up_2_days: int = 7
    close_after_days: int = 7
    demo_duration_min: int = 30
    demo_slot_hours: tuple[int, ...] = (11, 15)
    max_reply_words: int = 120  # a reply with a model-written answer
    # a reply made only of the team's templates (several questions answered beside a booking)
    max_template_reply_words: int = 220
    # review mode: which replies wait for a person's approval before they are sent
    approval: Approval = "off"
    draft_timer_wait_s: float = 300.0  # a timer of a contact with a draft waiting is retried after this

    # --- operator view -------------------------------------------------------------------
    log_format: Literal["text", "json"] = "text"  # json: one JSON object a line (long-running commands)

    # --- worker ----------------------------------------------------------------------------
    worker_lease_s: float = 120.0
    worker_max_attempts: int = 5
    worker_poll_s: float = 0.2
    scheduler_tick_s: float = 1.0
    retry_backoff_s: float = 5.0
    # model outage (LlmUnavailable): the event waits, not counted as a try, retried with backoff up
    # to `llm_outage_retry_max_s` apart, until the host is back; after `llm_outage_max_wait_s` it is handed off
    llm_outage_max_wait_s: float = 3600.0
    llm_outage_retry_max_s: float = 60.0
    # auto: one worker on an embedded server this process started skips the contact lock and the claim;
    # always: lock and claim anyway (another process runs workers on the same embedded server);
    # never: this process's one worker is the only worker on the database (e.g. on a real MongoDB)
    worker_lock: Literal["auto", "always", "never"] = "auto"
    # the only worker keeps the latest checkpoint of this many conversations in memory (0 = none);
    # a reply in a conversation beyond them reads its checkpoint from the database (one round trip)
    worker_checkpoint_memory: int = Field(default=10_000, ge=0)

    # --- campaigns: first messages paced to the mailboxes (agent/pacing.py) -------------------
    # the mailboxes that send a campaign: "address[:daily limit[:warm-up start YYYY-MM-DD]]", comma
    # separated; unset = one mailbox, SENDER_EMAIL with EMAIL_DAILY_LIMIT, fully warmed up
    sending_mailboxes: str | None = None
    email_daily_limit: int = Field(default=200, ge=0)  # the same variable the email channel reads
    email_timezone: str = "Europe/Moscow"  # the mailboxes' day (daily limits), as the email channel counts it
    mailbox_warmup_start: int = Field(default=20, ge=1)  # a new mailbox's first-day limit ...
    mailbox_warmup_step: int = Field(default=10, ge=0)  # ... growing by this much a day, up to its limit
    campaign_pacing: bool = True  # false: every first message is due at the next send window
    campaign_outreach_share: float = Field(default=0.8, gt=0, le=1)  # of a daily limit; the rest for replies
    campaign_jitter_s: float = Field(default=300.0, ge=0)  # random spread added to each first message's slot

    # --- retention (agent/retention.py) --------------------------------------------------------
    retention_interval_s: float = 3600.0  # how often the scheduler prunes
    retention_timers_days: float = 7.0  # fired / cancelled timers older than this are deleted
    retention_checkpoints_keep: int = 3  # checkpoints kept per conversation (the latest)

    @field_validator("sending_mailboxes")
    @classmethod
    def _mailbox_list(cls, value: str | None) -> str | None:
        for entry in filter(None, (e.strip() for e in (value or "").split(","))):
            if not MAILBOX_ENTRY.match(entry):
                raise ValueError(f"SENDING_MAILBOXES: {entry!r} is not address[:daily limit[:YYYY-MM-DD]]")
        return value

    def storage_path(self) -> Path:
        return self.data_dir / "mongo"


def load_settings(**overrides: object) -> Settings:
    """Build settings from env / `.env`; keyword overrides win (used by tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]
