"""Where connection values are kept (app/platform/credentials.py): secrets only in app.secrets
(its memory fallback here, as on a machine without a keyring), the rest in the settings; a secret
left empty keeps the stored one; the sandbox's values where ``livedesk join`` keeps them; every
platform's fields as declared by its factory."""

from __future__ import annotations

import pytest

import app.secrets
from app.platform.credentials import connection_values, merged, save, secret_key, stored
from app.platform.fields import ConnectionField, fields_of, missing_fields, missing_message
from app.platform.registry import platform_factory
from app.settings import Settings

FIELDS = (
    ConnectionField("code", "主播身份码", secret=True),
    ConnectionField("app_id", "应用 ID (app_id)"),
    ConnectionField("room", "直播间号（可选）", optional=True),
)


@pytest.fixture(autouse=True)
def memory(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    store: dict[str, str] = {}
    monkeypatch.setattr(app.secrets, "_keyring_usable", lambda **_: False)
    monkeypatch.setattr(app.secrets, "_memory", store)
    return store


def test_secrets_go_to_the_keyring_and_the_rest_to_the_settings(memory: dict[str, str]) -> None:
    settings = Settings()
    save("demo", FIELDS, {"code": "SECRET1", "app_id": "17", "room": "", "extra": "x"}, settings)
    assert memory == {secret_key("demo", "code"): "SECRET1"}
    assert settings.platform.fields == {"demo": {"app_id": "17"}}  # undeclared "extra" dropped
    assert settings.platform.adapter == "demo"
    assert "SECRET1" not in settings.model_dump_json()
    assert stored("demo", FIELDS, settings) == {"code": "SECRET1", "app_id": "17", "room": ""}
    assert connection_values("demo", FIELDS, settings) == {"code": "SECRET1", "app_id": "17"}


def test_a_secret_left_empty_keeps_the_stored_one(memory: dict[str, str]) -> None:
    settings = Settings()
    save("demo", FIELDS, {"code": "SECRET1", "app_id": "17"}, settings)
    values = merged("demo", FIELDS, settings, {"code": "", "app_id": " 18 "})
    assert values == {"code": "SECRET1", "app_id": "18", "room": ""}
    save("demo", FIELDS, values, settings)
    assert memory[secret_key("demo", "code")] == "SECRET1"
    assert merged("demo", FIELDS, settings, {"code": "NEW"})["code"] == "NEW"


def test_the_sandbox_keeps_its_values_where_join_does(memory: dict[str, str]) -> None:
    from app.team.join import token_key

    settings = Settings()
    sandbox = fields_of(platform_factory("sandbox"))
    assert [f.name for f in sandbox] == ["url", "room", "token"]
    save("sandbox", sandbox, {"url": "http://h:8000", "room": "r1", "token": "T"}, settings)
    assert (settings.platform.url, settings.platform.room) == ("http://h:8000", "r1")
    assert memory == {token_key("r1", "host"): "T"}
    assert stored("sandbox", sandbox, settings) == {
        "url": "http://h:8000",
        "room": "r1",
        "token": "T",
    }
    save("sandbox", sandbox, {"url": "", "room": "", "token": ""}, settings)  # the built-in one
    assert settings.platform.url is None and settings.platform.room is None


def test_every_platform_declares_what_it_needs() -> None:
    bili = fields_of(platform_factory("bilibili"))
    assert {f.name for f in bili if f.secret} == {"access_key_secret", "code"}
    assert [f.name for f in missing_fields(bili, {"room": ""})] == [
        "code", "app_id", "access_key_id", "access_key_secret",
    ]  # fmt: skip
    web = fields_of(platform_factory("bilibili-web"))
    assert [(f.name, f.secret, f.optional) for f in web] == [
        ("room", False, False), ("sessdata", True, True),
    ]  # fmt: skip
    assert missing_message(missing_fields(web, {})) == "请填写：直播间号"


def test_a_shops_values_are_kept_apart_and_leave_the_chosen_platform_alone(
    memory: dict[str, str],
) -> None:
    settings = Settings()
    settings.platform.adapter, settings.platform.url = "sandbox", "http://127.0.0.1:8765"
    save("demo", FIELDS, {"code": "SHOPSECRET", "app_id": "9"}, settings, commerce=True)
    assert settings.platform.commerce == "demo" and settings.platform.adapter == "sandbox"
    assert memory == {secret_key("demo", "code"): "SHOPSECRET"}
    assert "SHOPSECRET" not in settings.model_dump_json()
    sandbox = fields_of(platform_factory("sandbox"))
    shop = {"url": "http://127.0.0.1:9", "room": "shop1", "token": "tok"}
    save("sandbox", sandbox, shop, settings, commerce=True)
    # the chat sandbox's address and token stay where they were
    assert settings.platform.url == "http://127.0.0.1:8765" and settings.platform.room is None
    assert settings.platform.fields["sandbox"] == {"url": "http://127.0.0.1:9", "room": "shop1"}
    assert stored("sandbox", sandbox, settings, commerce=True) == shop
    assert stored("sandbox", sandbox, settings)["url"] == "http://127.0.0.1:8765"
    typed = {"url": "http://127.0.0.1:9", "room": "shop1", "token": ""}
    assert merged("sandbox", sandbox, settings, typed, commerce=True)["token"] == "tok"
