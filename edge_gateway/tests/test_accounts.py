"""/v1/accounts: reading a balance (owner or admin) and the admins' idempotent `:topUp`."""

from typing import Any

import httpx
import pytest

from edge_gateway.schemas.billing import Account, TopUpResult
from edge_gateway.tests.assertions import fields, problem, resource
from edge_gateway.tests.servers import BillingServer
from edge_gateway.tests.tokens import bearer

ALICE = bearer("alice")
ADMIN = bearer("root", "admin")
TEN_EUR = {"amount": {"currency": "EUR", "amount_minor": 1000}}


async def _top_up(edge: httpx.AsyncClient, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = ADMIN if key is None else {**ADMIN, "Idempotency-Key": key}
    return await edge.post("/v1/accounts/alice:topUp", json=body, headers=headers)


async def test_admin_tops_up_and_the_customer_reads_the_balance(edge: httpx.AsyncClient) -> None:
    result = resource(await _top_up(edge, TEN_EUR, "topup-1"), 200, TopUpResult)

    account = resource(await edge.get("/v1/accounts/alice", headers=ALICE), 200, Account)

    assert (result.top_up.amount.amount_minor, result.top_up.idempotency_key) == (1000, "topup-1")
    assert result.account.balance.amount_minor == 1000
    assert (account.customer_id, account.balance.currency, account.balance.amount_minor) == (
        "alice",
        "EUR",
        1000,
    )
    assert resource(await edge.get("/v1/accounts/alice", headers=ADMIN), 200, Account) == account


async def test_retry_with_the_same_key_credits_once(edge: httpx.AsyncClient) -> None:
    first = resource(await _top_up(edge, TEN_EUR, "retry-me"), 200, TopUpResult)
    again = resource(await _top_up(edge, TEN_EUR, "retry-me"), 200, TopUpResult)

    assert again.top_up == first.top_up
    assert (
        resource(await edge.get("/v1/accounts/alice", headers=ALICE), 200, Account).balance.amount_minor
        == 1000
    )


async def test_same_key_with_another_amount_is_422_and_credits_nothing(edge: httpx.AsyncClient) -> None:
    await _top_up(edge, TEN_EUR, "once")
    other = {"amount": {"currency": "EUR", "amount_minor": 5000}}

    document = problem(await _top_up(edge, other, "once"), 422, "IDEMPOTENCY_KEY_REUSED")

    assert document.code == "ALREADY_EXISTS"
    assert (
        resource(await edge.get("/v1/accounts/alice", headers=ALICE), 200, Account).balance.amount_minor
        == 1000
    )


async def test_without_a_key_each_request_is_its_own_top_up(edge: httpx.AsyncClient) -> None:
    first = resource(await _top_up(edge, TEN_EUR), 200, TopUpResult)
    second = resource(await _top_up(edge, TEN_EUR), 200, TopUpResult)

    assert first.top_up.idempotency_key != second.top_up.idempotency_key
    assert second.account.balance.amount_minor == 2000


@pytest.mark.parametrize(
    ("amount", "bad_field"),
    [
        pytest.param({"currency": "EUR", "amount_minor": 0}, "amount.amount_minor", id="zero"),
        pytest.param({"currency": "EUR", "amount_minor": -500}, "amount.amount_minor", id="negative"),
        pytest.param({"currency": "EUR", "amount_minor": 10.5}, "amount.amount_minor", id="fraction"),
        pytest.param({"currency": "euro", "amount_minor": 500}, "amount.currency", id="bad-currency"),
    ],
)
async def test_invalid_amount_is_422_and_reaches_no_account(
    edge: httpx.AsyncClient, billing: BillingServer, amount: dict[str, Any], bad_field: str
) -> None:
    document = problem(await _top_up(edge, {"amount": amount}), 422, "VALIDATION_FAILED")

    assert fields(document) == {bad_field}
    assert billing.fake.methods_called() == []


async def test_top_up_in_another_currency_is_409_currency_mismatch(edge: httpx.AsyncClient) -> None:
    await _top_up(edge, TEN_EUR, "eur")

    problem(
        await _top_up(edge, {"amount": {"currency": "USD", "amount_minor": 100}}, "usd"),
        409,
        "CURRENCY_MISMATCH",
    )


async def test_malformed_idempotency_key_is_422(edge: httpx.AsyncClient, billing: BillingServer) -> None:
    document = problem(await _top_up(edge, TEN_EUR, "k" * 129), 422, "VALIDATION_FAILED")

    assert [(v.field, v.location) for v in document.errors] == [("Idempotency-Key", "header")]
    assert billing.fake.methods_called() == []


async def test_customers_may_not_top_up_even_their_own_account(
    edge: httpx.AsyncClient, billing: BillingServer
) -> None:
    response = await edge.post("/v1/accounts/alice:topUp", json=TEN_EUR, headers=ALICE)

    problem(response, 403, "ROLE_NOT_ALLOWED")
    assert billing.fake.accounts == {}


async def test_another_customers_account_is_404_like_a_missing_one(
    edge: httpx.AsyncClient, billing: BillingServer
) -> None:
    await _top_up(edge, TEN_EUR, "alice-1")

    foreign = problem(await edge.get("/v1/accounts/alice", headers=bearer("bob")), 404, "ACCOUNT_NOT_FOUND")
    missing = problem(await edge.get("/v1/accounts/bob", headers=bearer("bob")), 404, "ACCOUNT_NOT_FOUND")

    assert "1000" not in foreign.model_dump_json()
    assert (foreign.type, foreign.code) == (missing.type, missing.code)
    assert billing.fake.methods_called() == ["TopUpAccount", "GetAccount"]


async def test_carriers_may_not_read_accounts(edge: httpx.AsyncClient) -> None:
    problem(await edge.get("/v1/accounts/alice", headers=bearer("dhl", "carrier")), 403, "ROLE_NOT_ALLOWED")
