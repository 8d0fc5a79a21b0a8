"""Settings from the environment and a ``.env`` file, with one clear line for each mistake."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.languages import ENGLISH, LANGUAGES

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT_DIR = REPO_ROOT / "content"
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
#: Telegram's rule for setWebhook's secret_token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and how to fix it."""


def parse_hhmm(value: str) -> dt.time:
    """Parse a 24-hour ``HH:MM`` (``7:30`` and ``07:30`` both work); ValueError otherwise."""
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a 24-hour time like 08:00")
    return dt.time(int(match.group(1)), int(match.group(2)))


class StoreSettings(BaseSettings):
    """Where the data lives: all that copy-db and backup need (no token)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_path: Path = Field(Path("data/studybot.sqlite3"), alias="DATABASE_PATH")
    #: PostgreSQL instead of SQLite when set: postgresql://user:password@host:port/db (or postgres://).
    database_url: SecretStr | None = Field(None, alias="DATABASE_URL")

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            if urlsplit(value).scheme not in {"postgres", "postgresql"}:
                # Never echo the URL: it carries the password.
                raise ValueError("is not a postgresql://user:password@host:port/db URL")
        return value

    @property
    def postgres_url(self) -> str | None:
        """DATABASE_URL's value (it holds the password: never log it), or None for SQLite."""
        return self.database_url.get_secret_value() if self.database_url is not None else None


class Settings(StoreSettings):
    """Every setting, named as the environment variable that sets it."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr = Field(alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL")
    content_dir: Path = Field(DEFAULT_CONTENT_DIR, alias="CONTENT_DIR")
    timezone: str = Field("Asia/Kolkata", alias="TIMEZONE")
    daily_push_time: dt.time = Field(dt.time(8, 0), alias="DAILY_PUSH_TIME")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(frozenset(), alias="ADMIN_IDS")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    group_cooldown_seconds: int = Field(30, ge=0, alias="GROUP_COOLDOWN_SECONDS")
    #: Global send cap for the rate limiter, messages per second (Telegram's broadcast limit is ~30/s).
    push_rate_per_second: float = Field(25.0, gt=0, alias="PUSH_RATE_PER_SECOND")
    #: Serve a webhook at this public HTTPS URL instead of long polling.
    webhook_url: str | None = Field(None, alias="WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(None, alias="WEBHOOK_SECRET")
    port: int = Field(8080, ge=0, le=65535, alias="PORT")
    webhook_listen: str = Field("0.0.0.0", alias="WEBHOOK_LISTEN")
    #: The language of groups, channels and private chats whose user's Telegram is not set to Hindi.
    default_language: str = Field(ENGLISH, alias="DEFAULT_LANGUAGE")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_present(cls, token: SecretStr) -> SecretStr:
        if not token.get_secret_value().strip():
            raise ValueError("is empty")
        return token

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        # Checked here rather than at the first request, where a bad URL is an error quoting the
        # whole request URL (token included) and leaves no host to name.
        try:
            parts = urlsplit(url)
            _ = parts.port  # a port out of range raises only when read
        except ValueError as exc:
            raise ValueError(f"{url!r} is not a URL ({exc})") from None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) URL like https://api.telegram.org/bot")
        return url

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError(f"{value!r} is not an https URL like https://bot.example.org/telegram")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_token(cls, value: object) -> object:
        if isinstance(value, str):
            if not value:
                return None
            if not _SECRET.fullmatch(value):
                raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise PydanticCustomError("missing_secret", "is required when WEBHOOK_URL is set")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not an IANA time zone such as Asia/Kolkata") from None
        return name

    @field_validator("daily_push_time", mode="before")
    @classmethod
    def _hhmm(cls, value: object) -> object:
        return parse_hhmm(value) if isinstance(value, str) else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            bad = [p for p in parts if not re.fullmatch(r"-?[0-9]+", p)]
            if bad:
                raise ValueError(f"{bad[0]!r} is not a numeric Telegram user id")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        code = value.strip().lower()
        if code not in LANGUAGES:
            raise ValueError(f"{value!r} is not one of {', '.join(LANGUAGES)}")
        return code

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"{value!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def token(self) -> str:
        return self.telegram_bot_token.get_secret_value()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def secret_token(self) -> str:
        return self.webhook_secret.get_secret_value() if self.webhook_secret is not None else ""

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log: the token, the webhook secret, PostgreSQL's password."""
        password = urlsplit(self.postgres_url).password if self.postgres_url else None
        return tuple(s for s in (self.token, self.secret_token, password) if s)

    @property
    def webhook_path(self) -> str:
        """The path the webhook answers on: WEBHOOK_URL's own."""
        return urlsplit(self.webhook_url or "").path or "/"


_HINTS = {
    "WEBHOOK_SECRET": "it is required when WEBHOOK_URL is set: 1-256 characters of A-Z a-z 0-9 _ -",
    "TELEGRAM_BOT_TOKEN": "get a token from @BotFather in Telegram (/newbot) and put it in the environment "
    "or in .env as TELEGRAM_BOT_TOKEN=...",
}


def rejected_token() -> ConfigError:
    """The settings error for a token Telegram rejects (401 or 404 on getMe): named, never shown."""
    return ConfigError(f"TELEGRAM_BOT_TOKEN is invalid: Telegram rejected it ({_HINTS['TELEGRAM_BOT_TOKEN']})")


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError with one line per bad variable (never the token's value)."""
    return _load(Settings, **overrides)


def load_store_settings(**overrides: object) -> StoreSettings:
    """DATABASE_PATH and DATABASE_URL only; ConfigError as load_settings."""
    return _load(StoreSettings, **overrides)


S = TypeVar("S", bound=BaseSettings)


def _load(cls: type[S], **overrides: object) -> S:
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ("webhook_secret" if err["type"] == "missing_secret" else "?")
            name = _alias(name)
            if err["type"] in ("missing", "missing_secret") and name == "WEBHOOK_SECRET":
                lines.append(f"WEBHOOK_SECRET is not set: {_HINTS['WEBHOOK_SECRET']}")
            elif err["type"] == "missing":
                lines.append(f"{name} is not set: {_HINTS.get(name, 'set it in the environment or .env')}")
            else:
                msg = err["msg"].removeprefix("Value error, ")
                hint = f" ({_HINTS[name]})" if name in _HINTS else ""
                lines.append(f"{name} is invalid: {msg}{hint}")
        raise ConfigError("\n".join(lines)) from None


def _alias(name: str) -> str:
    field = Settings.model_fields.get(name)
    return field.alias if field is not None and field.alias else name.upper()
