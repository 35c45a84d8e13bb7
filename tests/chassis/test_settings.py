"""Settings come from the environment; a bad value stops the process with the variable named."""

from __future__ import annotations

import pytest

from chassis.settings import ServiceSettings, load_settings


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
    ):
        monkeypatch.delenv(f"EXAMPLE_{name}", raising=False)


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
        ("EXAMPLE_NATS_URL", "http://127.0.0.1:4222"),
        ("EXAMPLE_LOG_FORMAT", "xml"),
        ("EXAMPLE_LOG_LEVEL", "LOUD"),
        ("EXAMPLE_SHUTDOWN_GRACE_SECONDS", "-1"),
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
