"""The config loads, documents every key, and refuses bad input with one line naming the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from monitor.config import Config, CrawlConfig, DatabaseConfig, NotifyConfig, ShopConfig, load_config, parse_duration
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SHOP = '[[shops]]\nname = "a"\nurl = "https://a.example/privacy"\n'


def test_example_config_loads_with_the_five_seed_shops() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert [shop.name for shop in config.shops] == ["jcarpart", "jj-media", "usbstars", "jiji-boutique", "avtozapchastyny"]


@pytest.mark.parametrize("model, table", [(DatabaseConfig, "database"), (CrawlConfig, "crawl"),
                                          (ShopConfig, "shops"), (NotifyConfig, "notify")])
def test_every_config_key_is_documented_in_the_example(model: type[BaseModel], table: str) -> None:
    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    documented = set()
    entries = example[table] if isinstance(example[table], list) else [example[table]]
    for entry in entries:
        documented |= set(entry)
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    missing = [key for key in model.model_fields if key not in documented and f"# {key} =" not in text]
    assert missing == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[crawl]\ntimout = '5s'\n", "crawl.timout: unknown key"),
        ("[crawl]\nconcurrency = 'many'\n", "crawl.concurrency: Input should be a valid integer"),
        ("[crawl]\ntimeout = 'soon'\n", "crawl.timeout: not a duration"),
        (SHOP + SHOP, "shops[1].name: duplicate shop name 'a'"),
        ('[[shops]]\nname = "a"\nurl = "ftp://a.example/"\n', "shops[0].url: not an http(s) URL"),
        ('[[shops]]\nname = "a"\n', "shops[0].url: required key is missing"),
        (SHOP + 'select = ["##"]\n', "shops[0].select: invalid CSS selector '##'"),
        ('[[notify]]\nurl = "nonsense://x"\n', "notify[0].url: not a URL Apprise can use"),
        ('[[notify]]\nurl = "json://127.0.0.1/"\nshops = ["b"]\n', "notify[0].shops: unknown shop 'b'"),
        ('[[notify]]\nurl = "json://${POLICYWATCH_UNSET_VARIABLE}/"\n', "notify[0].url: environment variable POLICYWATCH_UNSET_VARIABLE is not set"),
        ("[crawl\n", "not valid TOML"),
    ],
)
def test_bad_config_is_refused_with_one_line_naming_the_key(write_config, text: str, expected: str) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith((f"{path.resolve()}: ", f"{path}: "))
    assert expected in message
    assert "\n" not in message


def test_environment_variables_are_expanded(write_config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_PORT", "8123")
    config = load_config(write_config('[[notify]]\nurl = "json://127.0.0.1:${HOOK_PORT}/hook"\n'))
    assert config.notify[0].url == "json://127.0.0.1:8123/hook"


def test_relative_sqlite_path_is_relative_to_the_config_file(write_config) -> None:
    path = write_config('[database]\nurl = "sqlite:///data/pw.db"\n')
    config = load_config(path)
    assert config.database_url == f"sqlite:///{path.parent.resolve() / 'data' / 'pw.db'}"
    assert config.blobs_path == path.parent.resolve() / "data" / "pw.db-blobs"


def test_missing_config_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("12h", 43200), ("1.5d", 129600), ("250ms", 0.25), (90, 90)])
def test_durations_parse(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_config_is_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        Config().crawl.retries = 5  # type: ignore[misc]
