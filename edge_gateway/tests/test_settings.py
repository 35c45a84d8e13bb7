"""Configuration: EDGE_* variables, defaults, and a clear exit on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from edge_gateway.settings import DEV_JWT_SECRET, EdgeSettings, load_settings

REPO = Path(__file__).resolve().parents[2]
OWN_SECRET = "a-production-secret-of-at-least-32-bytes"
PRODUCTION_ENV = {
    "MERCADO_PROFILE": "production",
    "EDGE_INVENTORY_ADDR": "dns:///inventory-grpc:50051",
    "EDGE_BILLING_ADDR": "dns:///billing-grpc:50052",
    "EDGE_SHIPPING_ADDR": "dns:///shipping-grpc:50053",
    "EDGE_JWT_SECRET": OWN_SECRET,
}


@pytest.fixture(autouse=True)
def _development_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCADO_PROFILE", raising=False)


def production(monkeypatch: pytest.MonkeyPatch, **overrides: str | None) -> None:
    """The production environment, with some variables changed (a value) or left unset (None)."""
    for name, value in {**PRODUCTION_ENV, **overrides}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


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
        ("EDGE_INVENTORY_ADDR", "inventory"),
        ("EDGE_BILLING_ADDR", "billing:99999"),
        ("EDGE_SHIPPING_ADDR", "ipv4:shipping:50053"),
        ("EDGE_SHIPPING_ADDR", "dns://shipping:50053"),
    ],
)
def test_bad_values_exit_with_status_2_naming_the_problem(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SystemExit) as exited:
        load_settings()

    assert exited.value.code == 2
    assert variable in capsys.readouterr().err


def test_asymmetric_algorithms_need_a_readable_public_key_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="EDGE_JWT_PUBLIC_KEY_FILE"):
        EdgeSettings(jwt_algorithm="RS256", jwt_public_key_file=tmp_path / "missing.pem")


@pytest.mark.parametrize(
    "target",
    [
        "inventory:50051",
        "10.0.0.7:50051",
        "[::1]:50051",
        "dns:///inventory-grpc.mercado.svc.cluster.local:50051",
        "dns://10.96.0.10:53/inventory-grpc:50051",
        "ipv4:127.0.0.1:50051,127.0.0.1:50061",
        "ipv6:[::1]:50051,[::1]:50061",
    ],
)
def test_backend_addresses_accept_grpc_target_syntax(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    monkeypatch.setenv("EDGE_INVENTORY_ADDR", target)

    assert load_settings().backend_addresses["inventory"] == target


def test_production_starts_with_explicit_addresses_and_its_own_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    production(monkeypatch)

    settings = load_settings()

    assert (settings.profile, settings.jwt_secret.get_secret_value()) == ("production", OWN_SECRET)


@pytest.mark.parametrize("secret", [None, DEV_JWT_SECRET])
def test_production_refuses_the_development_jwt_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str | None
) -> None:
    production(monkeypatch, EDGE_JWT_SECRET=secret)

    with pytest.raises(SystemExit) as exited:
        load_settings()

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "EDGE_JWT_SECRET" in err
    assert DEV_JWT_SECRET not in err


def test_production_with_an_asymmetric_key_needs_no_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = tmp_path / "jwt.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")
    production(
        monkeypatch, EDGE_JWT_SECRET=None, EDGE_JWT_ALGORITHM="ES256", EDGE_JWT_PUBLIC_KEY_FILE=str(key)
    )

    assert load_settings().jwt_algorithm == "ES256"


def test_production_refuses_backend_addresses_left_at_their_local_defaults(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    production(monkeypatch, EDGE_BILLING_ADDR=None)

    with pytest.raises(SystemExit):
        load_settings()

    assert "EDGE_BILLING_ADDR is not set" in capsys.readouterr().err


def test_an_unknown_profile_is_named_as_mercado_profile(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MERCADO_PROFILE", "Production!")

    with pytest.raises(SystemExit) as exited:
        load_settings()

    assert exited.value.code == 2
    assert "invalid configuration MERCADO_PROFILE" in capsys.readouterr().err


def test_the_edge_process_in_production_with_the_development_secret_exits_2_at_once() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGE_", "MERCADO_"))}
    env.update({**PRODUCTION_ENV, "EDGE_PORT": "1"})
    del env["EDGE_JWT_SECRET"]

    completed = subprocess.run(
        [sys.executable, "-m", "edge_gateway"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert completed.returncode == 2, completed.stderr
    assert "EDGE_JWT_SECRET" in completed.stderr
    assert "Traceback" not in completed.stderr
