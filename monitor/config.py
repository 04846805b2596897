"""Load and validate the TOML configuration into one frozen model.

The model below is the only description of the config and its defaults. Loading either
returns a ``Config`` or raises ``ConfigError`` with one line naming the file, the key and the
problem. It imports nothing of Scrapy, so the crawler and the CLI can both use it.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.functional_validators import BeforeValidator

from monitor.errors import ConfigError

DEFAULT_CONFIG = "policywatch.toml"
CONFIG_ENV = "POLICYWATCH_CONFIG"
SEVERITIES = ("low", "medium", "high")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def parse_duration(value: Any) -> timedelta:
    """Turn ``"24h"``, ``"30s"``, ``"1.5d"`` or a number of seconds into a ``timedelta``."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    raise ValueError(f"not a duration like '30s', '12h' or '7d': {value!r}")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def _check_selectors(selectors: list[str]) -> list[str]:
    from cssselect import GenericTranslator, SelectorError

    for selector in selectors:
        try:
            GenericTranslator().css_to_xpath(selector)
        except SelectorError as exc:
            raise ValueError(f"invalid CSS selector {selector!r} ({exc})") from None
    return selectors


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Model):
    url: str = "sqlite:///policywatch.db"
    # Raw snapshot bodies, content-addressed; default: "<database file>-blobs" for SQLite,
    # "./policywatch-blobs" otherwise. Relative paths are relative to the config file.
    blobs: str | None = None

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql")):
            raise ValueError("expected sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB")
        return value


class CrawlConfig(_Model):
    interval: Duration = timedelta(hours=24)
    concurrency: int = Field(32, ge=1, le=1024)
    per_domain_concurrency: int = Field(2, ge=1, le=64)
    timeout: Duration = timedelta(seconds=30)
    retries: int = Field(2, ge=0, le=10)
    obey_robots: bool = True
    user_agent: str = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
    allow_private_networks: bool = False
    max_page_bytes: int = Field(5_000_000, ge=1024)
    max_redirects: int = Field(5, ge=0, le=20)
    # Polite pause between two requests to the same host.
    delay: Duration = timedelta(seconds=0)
    # A text equal to an earlier version becomes current again once seen on this many checks.
    stable_checks: int = Field(2, ge=1, le=20)
    # A page that looks wrong (other language, not a policy, collapsed, moved) is accepted as a
    # structural change once seen on this many consecutive checks.
    structural_checks: int = Field(3, ge=1, le=50)

    @field_validator("user_agent")
    @classmethod
    def _honest_user_agent(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class ShopConfig(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")
    url: str
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    select: list[str] = []
    remove: list[str] = []
    interval: Duration | None = None

    _url = field_validator("url")(lambda cls, v: _http_url(v))
    _selectors = field_validator("select", "remove")(lambda cls, v: _check_selectors(v))


class NotifyConfig(_Model):
    url: str
    categories: list[str] | None = None
    shops: list[str] | None = None
    min_severity: Literal["low", "medium", "high"] = "low"
    digest: Literal["none", "daily", "weekly"] = "none"


class Config(_Model):
    database: DatabaseConfig = DatabaseConfig()
    crawl: CrawlConfig = CrawlConfig()
    shops: list[ShopConfig] = []
    notify: list[NotifyConfig] = []
    # Where the config was read from; relative paths are resolved against its folder.
    source: Path = Field(default=Path(DEFAULT_CONFIG), exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        seen: set[str] = set()
        for index, shop in enumerate(self.shops):
            if shop.name in seen:
                raise _KeyedError(f"shops[{index}].name", f"duplicate shop name {shop.name!r}")
            seen.add(shop.name)
        for index, target in enumerate(self.notify):
            for name in target.shops or ():
                if name not in seen:
                    raise _KeyedError(f"notify[{index}].shops", f"unknown shop {name!r}")
        return self

    def shop(self, name: str) -> ShopConfig | None:
        return self._shops_by_name.get(name)

    @cached_property
    def _shops_by_name(self) -> dict[str, ShopConfig]:
        return {shop.name: shop for shop in self.shops}

    def shop_interval(self, shop: ShopConfig) -> timedelta:
        return shop.interval or self.crawl.interval

    @property
    def blobs_path(self) -> Path:
        base = self.source.parent
        if self.database.blobs:
            return (base / self.database.blobs).resolve()
        if self.database.url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///") + "-blobs")
        return (base / "policywatch-blobs").resolve()

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the config's folder."""
        url = self.database.url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            path = Path(url.removeprefix("sqlite:///"))
            if not path.is_absolute():
                path = (self.source.parent / path).resolve()
            return f"sqlite:///{path}"
        return url


class _KeyedError(ValueError):
    """A cross-field problem that still knows which key it concerns."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _expand_env(value: Any, key: str, path: Path) -> Any:
    if isinstance(value, str):
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"{path}: {key}: environment variable {name} is not set")
            return os.environ[name]

        return _ENV_REFERENCE.sub(substitute, value)
    if isinstance(value, list):
        return [_expand_env(item, f"{key}[{i}]", path) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {k: _expand_env(v, f"{key}.{k}" if key else k, path) for k, v in value.items()}
    return value


def _location(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key or "(top level)"


def _validation_message(path: Path, error: ValidationError) -> str:
    first = error.errors()[0]
    context = first.get("ctx", {}).get("error")
    if isinstance(context, _KeyedError):
        return f"{path}: {context.key}: {context.message}"
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    return f"{path}: {_location(loc)}: {message}"


def _check_notify_urls(config: Config, path: Path) -> None:
    import apprise

    for index, target in enumerate(config.notify):
        if not apprise.Apprise().add(target.url):
            raise ConfigError(f"{path}: notify[{index}].url: not a URL Apprise can use")


def parse_config(text: str, path: Path, *, check_targets: bool = True) -> Config:
    """Validate config text; ``path`` is used for messages and relative paths.

    ``check_targets`` parses each notification URL with Apprise (slow to import); commands
    that only read the history skip it.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    raw = _expand_env(raw, "", path)
    try:
        config = Config.model_validate({**raw, "source": path})
    except ValidationError as exc:
        raise ConfigError(_validation_message(path, exc)) from None
    if "source" in raw:
        raise ConfigError(f"{path}: source: unknown key")
    if check_targets:
        _check_notify_urls(config, path)
    return config


def config_path(explicit: str | Path | None) -> Path:
    """The config file to use: ``--config``, else ``$POLICYWATCH_CONFIG``, else ./policywatch.toml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | Path | None = None, *, check_targets: bool = True) -> Config:
    """Read and validate the config file, or raise ``ConfigError`` with one line."""
    path = config_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (copy config.example.toml to start)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    return parse_config(text, path.resolve(), check_targets=check_targets)
