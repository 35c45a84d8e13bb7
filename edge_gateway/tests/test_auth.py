"""Bearer tokens: what is accepted, every way a token can be wrong (401), and devtoken's output."""

import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from edge_gateway import devtoken
from edge_gateway.auth import Principal, Role, TokenVerifier
from edge_gateway.errors import ApiError
from edge_gateway.schemas.orders import OrderPage
from edge_gateway.tests.assertions import problem, resource
from edge_gateway.tests.servers import EdgeFactory
from edge_gateway.tests.tokens import bearer, claims, hmac_signed, signed_with, unsigned

OTHER_SECRET = "an-attacker-guessed-secret-of-32-bytes-or-more"


async def test_valid_customer_token_is_accepted(edge: httpx.AsyncClient) -> None:
    resource(await edge.get("/v1/orders", headers=bearer("alice")), 200, OrderPage)


async def test_missing_token_is_401_with_a_bearer_challenge(edge: httpx.AsyncClient) -> None:
    response = await edge.get("/v1/orders")

    assert problem(response, 401, "TOKEN_MISSING").code == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, id="basic-scheme"),
        pytest.param({"Authorization": "Bearer"}, id="empty-bearer"),
    ],
)
async def test_non_bearer_credentials_are_401(edge: httpx.AsyncClient, headers: dict[str, str]) -> None:
    problem(await edge.get("/v1/orders", headers=headers), 401, "TOKEN_MISSING")


async def test_expired_token_is_401_token_expired(edge: httpx.AsyncClient) -> None:
    problem(await edge.get("/v1/orders", headers=bearer("alice", ttl=-60)), 401, "TOKEN_EXPIRED")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(signed_with(OTHER_SECRET, claims()), id="forged-signature"),
        pytest.param(unsigned(claims()), id="alg-none"),
        pytest.param(unsigned(claims(role="admin")), id="alg-none-admin"),
        pytest.param({"Authorization": "Bearer not.a.jwt"}, id="garbage"),
        pytest.param({"Authorization": bearer("alice")["Authorization"][:-4]}, id="truncated-signature"),
    ],
)
async def test_forged_or_unsigned_tokens_are_401(edge: httpx.AsyncClient, headers: dict[str, str]) -> None:
    problem(await edge.get("/v1/orders", headers=headers), 401, "TOKEN_INVALID")


@pytest.mark.parametrize(
    ("token_claims", "with_exp"),
    [
        pytest.param({"sub": "alice", "role": "customer"}, False, id="no-exp"),
        pytest.param({"role": "customer"}, True, id="no-sub"),
        pytest.param({"sub": "alice"}, True, id="no-role"),
        pytest.param({"sub": "alice", "role": "superuser"}, True, id="unknown-role"),
    ],
)
async def test_tokens_missing_required_claims_are_401(
    edge: httpx.AsyncClient, token_claims: dict[str, object], with_exp: bool
) -> None:
    # The expiry is set when the test runs, not at collection, so a long suite cannot expire it first.
    if with_exp:
        token_claims = {**token_claims, "exp": int(time.time()) + 60}
    secret = "mercado-local-development-secret-do-not-deploy"
    response = await edge.get("/v1/orders", headers=signed_with(secret, token_claims))

    problem(response, 401, "TOKEN_INVALID")


@pytest.fixture
def ec_key_pair(tmp_path: Path) -> tuple[ec.EllipticCurvePrivateKey, Path]:
    private = ec.generate_private_key(ec.SECP256R1())
    public_file = tmp_path / "jwt.pub.pem"
    public_file.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public_file


async def test_es256_configuration_accepts_only_tokens_of_its_key(
    edge_for: EdgeFactory, ec_key_pair: tuple[ec.EllipticCurvePrivateKey, Path]
) -> None:
    private, public_file = ec_key_pair
    public_pem = public_file.read_bytes()
    async with edge_for(jwt_algorithm="ES256", jwt_public_key_file=public_file) as edge:
        accepted = await edge.get("/v1/orders", headers=signed_with(private, claims(), "ES256"))
        # Key confusion: an HS256 token "signed" with the public key text must not pass as ES256.
        confused = await edge.get("/v1/orders", headers=hmac_signed(public_pem, claims()))
        dev_token = await edge.get("/v1/orders", headers=bearer("alice"))

    resource(accepted, 200, OrderPage)
    problem(confused, 401, "TOKEN_INVALID")
    problem(dev_token, 401, "TOKEN_INVALID")


async def test_audience_is_enforced_when_configured(edge_for: EdgeFactory) -> None:
    async with edge_for(jwt_audience="mercado-api") as edge:
        response = await edge.get("/v1/orders", headers=bearer("alice"))

    problem(response, 401, "TOKEN_INVALID")


async def test_devtoken_prints_a_token_the_edge_accepts(
    edge: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert devtoken.main(["--sub", "carol", "--role", "admin", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip()

    page = resource(
        await edge.get("/v1/orders", headers={"Authorization": f"Bearer {token}"}), 200, OrderPage
    )
    assert page.orders == []
    decoded = jwt.decode(token, options={"verify_signature": False})
    assert (decoded["sub"], decoded["role"], decoded["exp"] - decoded["iat"]) == ("carol", "admin", 120)


def test_devtoken_refuses_asymmetric_configurations(
    monkeypatch: pytest.MonkeyPatch, ec_key_pair: tuple[ec.EllipticCurvePrivateKey, Path]
) -> None:
    monkeypatch.setenv("EDGE_JWT_ALGORITHM", "ES256")
    monkeypatch.setenv("EDGE_JWT_PUBLIC_KEY_FILE", str(ec_key_pair[1]))

    with pytest.raises(SystemExit) as exited:
        devtoken.main(["--sub", "alice", "--role", "customer"])
    assert exited.value.code == 2


def test_devtoken_rejects_unknown_roles_and_non_positive_ttl() -> None:
    for argv in (["--sub", "a", "--role", "root"], ["--sub", "a", "--role", "admin", "--ttl", "0"]):
        with pytest.raises(SystemExit) as exited:
            devtoken.main(argv)
        assert exited.value.code == 2


class _Clock:
    """Wall-clock seconds that a test moves forward by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


DEV_SECRET = b"mercado-local-development-secret-do-not-deploy"


def _token(ttl: int, subject: str = "alice") -> str:
    return jwt.encode(claims(subject, ttl=ttl), DEV_SECRET, algorithm="HS256")


def test_a_token_verified_before_is_refused_once_it_expires() -> None:
    clock = _Clock()
    verifier = TokenVerifier("HS256", DEV_SECRET, clock=clock)
    token = _token(ttl=60)
    assert verifier.verify(token) == Principal("alice", Role.CUSTOMER)
    assert verifier.verify(token) == Principal("alice", Role.CUSTOMER)

    clock.now += 61
    with pytest.raises(ApiError) as refused:
        verifier.verify(token)
    assert (refused.value.status, refused.value.reason) == (401, "TOKEN_EXPIRED")


def test_a_refused_token_stays_refused_and_the_remembered_ones_are_bounded() -> None:
    verifier = TokenVerifier("HS256", DEV_SECRET, remembered=2)
    forged = jwt.encode(claims(), OTHER_SECRET, algorithm="HS256")
    for _ in range(2):
        with pytest.raises(ApiError) as refused:
            verifier.verify(forged)
        assert refused.value.reason == "TOKEN_INVALID"

    # More distinct tokens than it remembers: each is still verified and answers its own subject.
    tokens = {subject: _token(ttl=60, subject=subject) for subject in ("ann", "bob", "cat", "dan")}
    for _ in range(2):
        for subject, token in tokens.items():
            assert verifier.verify(token).subject == subject
