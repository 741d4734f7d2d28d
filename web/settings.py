"""The web desk's settings (`WEB_*`, `PUBLIC_BASE_URL`, `UNSUBSCRIBE_SECRET`) from env / `.env`."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    web_enabled: bool = False  # also serve the desk from `sales-agent run`
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_secret: SecretStr | None = None  # signs the session cookies; required (or `--dev`)
    web_secure_cookies: bool = False  # set true behind HTTPS: cookies only over TLS
    web_login_max_failures: int = 5
    web_login_window_s: float = 600.0
    public_base_url: str = "http://127.0.0.1:8080"  # where links in emails point (unsubscribe)
    unsubscribe_secret: SecretStr | None = None  # signs one-click unsubscribe links

    def secret(self) -> str:
        return self.web_secret.get_secret_value() if self.web_secret else ""

    def unsubscribe_key(self) -> str:
        return self.unsubscribe_secret.get_secret_value() if self.unsubscribe_secret else ""


def load_web_settings(**overrides: object) -> WebSettings:
    return WebSettings(**overrides)  # type: ignore[arg-type]
