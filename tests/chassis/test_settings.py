"""Settings come from the environment; a bad value stops the process with the variable named."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chassis.settings import ServiceSettings, load_settings

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "MERCADO_PROFILE": "production",
    "EXAMPLE_DATABASE_URL": "postgresql+asyncpg://example:s3cret@db.internal:5432/example",
    "EXAMPLE_NATS_URL": "nats://nats.internal:4222",
}


class ExampleSettings(ServiceSettings):
    model_config = {**ServiceSettings.model_config, "env_prefix": "EXAMPLE_"}

    database_url: str = "sqlite+aiosqlite:///.data/example.db"
    grpc_port: int = 50099


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "NATS_URL",
        "GRPC_PORT",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "SHUTDOWN_GRACE_SECONDS",
        "STREAM_REPLICAS",
        "DATABASE_POOL_SIZE",
        "DATABASE_MAX_OVERFLOW",
    ):
        monkeypatch.delenv(f"EXAMPLE_{name}", raising=False)
    monkeypatch.delenv("MERCADO_PROFILE", raising=False)


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = load_settings(ExampleSettings)
    assert settings.grpc_port == 50099
    assert settings.nats_url == "nats://127.0.0.1:4222"
    assert settings.log_format == "json"


def test_values_are_read_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_GRPC_PORT", "0")
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "postgresql+asyncpg://svc@db:5432/example")
    monkeypatch.setenv("EXAMPLE_LOG_LEVEL", "debug")
    settings = load_settings(ExampleSettings)
    assert (settings.grpc_port, settings.log_level) == (0, "DEBUG")
    assert settings.database_url.startswith("postgresql+asyncpg://")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EXAMPLE_GRPC_PORT", "70000"),
        ("EXAMPLE_GRPC_PORT", "fifty"),
        ("EXAMPLE_DATABASE_URL", "mysql://root@db/example"),
        ("EXAMPLE_DATABASE_URL", "not a url"),
        ("EXAMPLE_DATABASE_URL", "postgresql+asyncpg://svc:pw@/example"),
        ("EXAMPLE_DATABASE_URL", "postgresql+asyncpg://svc:pw@db:5432"),
        ("EXAMPLE_DATABASE_URL", "postgresql+asyncpg://svc:pw@db:port/example"),
        ("EXAMPLE_DATABASE_URL", "postgresql://svc:pw@db:5432/example"),
        ("EXAMPLE_NATS_URL", "http://127.0.0.1:4222"),
        ("EXAMPLE_LOG_FORMAT", "xml"),
        ("EXAMPLE_LOG_LEVEL", "LOUD"),
        ("EXAMPLE_SHUTDOWN_GRACE_SECONDS", "-1"),
        ("EXAMPLE_STREAM_REPLICAS", "0"),
        ("EXAMPLE_STREAM_REPLICAS", "6"),
        ("EXAMPLE_DATABASE_POOL_SIZE", "0"),
        ("EXAMPLE_DATABASE_MAX_OVERFLOW", "-1"),
    ],
)
def test_bad_value_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as exit_info:
        load_settings(ExampleSettings)
    assert exit_info.value.code == 2
    assert variable in capsys.readouterr().err


def test_missing_required_value_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    class NoDefaults(ServiceSettings):
        model_config = {**ServiceSettings.model_config, "env_prefix": "NODEFAULTS_"}

    with pytest.raises(SystemExit):
        load_settings(NoDefaults)
    err = capsys.readouterr().err
    assert "NODEFAULTS_DATABASE_URL" in err
    assert "NODEFAULTS_GRPC_PORT" in err


def test_secrets_in_bad_values_are_not_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "mysql://admin:hunter2@db/example")
    with pytest.raises(SystemExit):
        load_settings(ExampleSettings)
    assert "hunter2" not in capsys.readouterr().err


def test_secrets_in_malformed_urls_are_not_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "postgresql+asyncpg://admin:hunter2@db:notaport/example")
    with pytest.raises(SystemExit):
        load_settings(ExampleSettings)
    err = capsys.readouterr().err
    assert "EXAMPLE_DATABASE_URL" in err
    assert "hunter2" not in err


def test_the_profile_is_development_unless_mercado_profile_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings(ExampleSettings).profile == "development"
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    assert load_settings(ExampleSettings).profile == "production"


def test_an_unknown_profile_exits_2_naming_mercado_profile(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MERCADO_PROFILE", "staging")
    with pytest.raises(SystemExit) as exit_info:
        load_settings(ExampleSettings)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "MERCADO_PROFILE" in err
    assert "EXAMPLE_MERCADO_PROFILE" not in err


@pytest.mark.parametrize("unset", ["EXAMPLE_DATABASE_URL", "EXAMPLE_NATS_URL"])
def test_production_refuses_development_defaults_naming_the_unset_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], unset: str
) -> None:
    for name, value in PRODUCTION_ENV.items():
        if name != unset:
            monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        load_settings(ExampleSettings)
    assert exit_info.value.code == 2
    assert f"{unset} is not set" in capsys.readouterr().err


def test_production_refuses_sqlite_even_when_set_explicitly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "sqlite+aiosqlite:////var/lib/example.db")
    with pytest.raises(SystemExit):
        load_settings(ExampleSettings)
    err = capsys.readouterr().err
    assert "EXAMPLE_DATABASE_URL is a SQLite URL" in err
    assert "postgresql+asyncpg://" in err


def test_development_accepts_sqlite_and_postgres_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    assert load_settings(ExampleSettings).database_url == "sqlite+aiosqlite:///:memory:"
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "postgresql+asyncpg://svc:pw@db/example?ssl=require")
    assert load_settings(ExampleSettings).database_url.endswith("?ssl=require")


# A service started with bad configuration, as its container or the devstack starts it: it must stop at
# once (no database, broker or port touched), exit 2 and say which variable to fix.
SERVICE_CASES = [
    (
        "inventory",
        {"INVENTORY_DATABASE_URL": "postgresql+asyncpg://inv:pw@/inventory"},
        "INVENTORY_DATABASE_URL",
    ),
    ("billing", {"BILLING_NATS_URL": "http://nats:4222"}, "BILLING_NATS_URL"),
    ("billing", {"BILLING_SHIPPING_ADDR": "shipping"}, "BILLING_SHIPPING_ADDR"),
    ("shipping", {"MERCADO_PROFILE": "production"}, "SHIPPING_DATABASE_URL"),
    (
        "inventory",
        {
            "MERCADO_PROFILE": "production",
            "INVENTORY_DATABASE_URL": "postgresql+asyncpg://inv:pw@db:5432/inventory",
            "INVENTORY_NATS_URL": "nats://nats:4222",
        },
        "INVENTORY_SHIPPING_ADDR",
    ),
    ("shipping", {"MERCADO_PROFILE": "prod"}, "MERCADO_PROFILE"),
]


@pytest.mark.parametrize(("service", "env", "variable"), SERVICE_CASES)
def test_a_service_process_with_bad_configuration_exits_2_at_once_naming_the_variable(
    tmp_path: Path, service: str, env: dict[str, str], variable: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith((f"{service.upper()}_", "MERCADO_"))}
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", service],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'gen'}", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert variable in completed.stderr
    assert "Traceback" not in completed.stderr
    # Interpreter start-up and imports only: nothing waited for a database or a broker.
    assert time.monotonic() - started < 15
    assert not (tmp_path / ".data").exists()
