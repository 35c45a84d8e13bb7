"""Configuration: EDGE_* variables, defaults, and a clear exit on bad values."""

from pathlib import Path

import pytest

from edge_gateway.settings import EdgeSettings, load_settings


def test_defaults_match_the_documented_local_setup() -> None:
    settings = load_settings()

    assert (settings.host, settings.port, settings.inventory_addr) == ("127.0.0.1", 8080, "127.0.0.1:50051")
    assert (settings.billing_addr, settings.shipping_addr) == ("127.0.0.1:50052", "127.0.0.1:50053")
    assert (settings.events_poll_seconds, settings.events_max_seconds) == (0.25, 300.0)
    assert (settings.jwt_algorithm, settings.request_timeout_seconds) == ("HS256", 2.0)
    assert (settings.max_body_bytes, settings.workers, settings.access_log) == (65536, 1, False)


def test_environment_variables_use_the_edge_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGE_PORT", "9090")
    monkeypatch.setenv("EDGE_INVENTORY_ADDR", "inventory:50051")
    monkeypatch.setenv("EDGE_REQUEST_TIMEOUT_SECONDS", "0.5")

    settings = load_settings()

    assert (settings.port, settings.inventory_addr, settings.request_timeout_seconds) == (
        9090,
        "inventory:50051",
        0.5,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EDGE_PORT", "eighty"),
        ("EDGE_REQUEST_TIMEOUT_SECONDS", "0"),
        ("EDGE_JWT_SECRET", "too-short"),
        ("EDGE_JWT_ALGORITHM", "none"),
        ("EDGE_MAX_PAGE_SIZE", "5"),
        ("EDGE_COMPOSITION_MARGIN_SECONDS", "2"),
        ("EDGE_EVENTS_POLL_SECONDS", "0"),
    ],
)
def test_bad_values_exit_with_status_2_naming_the_problem(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SystemExit) as exited:
        load_settings()

    assert exited.value.code == 2
    assert "EDGE_" in capsys.readouterr().err


def test_asymmetric_algorithms_need_a_readable_public_key_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="EDGE_JWT_PUBLIC_KEY_FILE"):
        EdgeSettings(jwt_algorithm="RS256", jwt_public_key_file=tmp_path / "missing.pem")
