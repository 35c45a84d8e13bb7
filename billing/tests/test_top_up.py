"""Unit tests of reading and topping up accounts: idempotent per key, one currency, valid amounts only."""

from __future__ import annotations

import pytest

from billing.domain import AccountNotFound, CurrencyMismatch, EntryKind, IdempotencyKeyReused, InvalidRequest
from billing.tests.builders import NOW, eur, top_up
from billing.tests.fakes import FakeQueries, FakeUnitOfWork, State
from billing.use_cases import get_account, top_up_account


async def test_the_first_top_up_opens_the_account_in_its_currency() -> None:
    state = State()
    result = await top_up_account(FakeUnitOfWork(state), top_up(5000), now=NOW)
    assert result.account.balance == eur(5000)
    assert result.top_up.amount == eur(5000)
    assert result.top_up.balance_after == eur(5000)
    assert (await get_account(FakeQueries(state), "alice")).balance == eur(5000)


async def test_later_top_ups_add_to_the_balance() -> None:
    state = State()
    await top_up_account(FakeUnitOfWork(state), top_up(5000, key="a"), now=NOW)
    result = await top_up_account(FakeUnitOfWork(state), top_up(250, key="b"), now=NOW)
    assert result.account.balance == eur(5250)
    assert result.top_up.balance_after == eur(5250)


async def test_a_retry_with_the_same_key_returns_the_original_and_books_nothing() -> None:
    state = State()
    first = await top_up_account(FakeUnitOfWork(state), top_up(5000), now=NOW)
    again = await top_up_account(FakeUnitOfWork(state), top_up(5000), now=NOW)
    assert again.top_up == first.top_up
    assert state.balance("alice") == 5000
    assert len(state.entries(EntryKind.TOP_UP)) == 1


async def test_the_same_key_with_another_amount_is_refused_as_reused() -> None:
    state = State()
    await top_up_account(FakeUnitOfWork(state), top_up(5000), now=NOW)
    with pytest.raises(IdempotencyKeyReused):
        await top_up_account(FakeUnitOfWork(state), top_up(6000), now=NOW)
    assert state.balance("alice") == 5000


async def test_keys_are_scoped_to_the_customer() -> None:
    state = State()
    await top_up_account(FakeUnitOfWork(state), top_up(5000, customer_id="alice"), now=NOW)
    await top_up_account(FakeUnitOfWork(state), top_up(700, customer_id="bob"), now=NOW)
    assert (state.balance("alice"), state.balance("bob")) == (5000, 700)


async def test_a_top_up_in_another_currency_is_refused_and_changes_nothing() -> None:
    state = State()
    await top_up_account(FakeUnitOfWork(state), top_up(5000, key="a"), now=NOW)
    with pytest.raises(CurrencyMismatch):
        await top_up_account(FakeUnitOfWork(state), top_up(100, key="b", currency="USD"), now=NOW)
    assert state.balance("alice") == 5000
    assert len(state.ledger) == 1


@pytest.mark.parametrize("amount", [0, -100])
async def test_a_non_positive_amount_is_refused_naming_the_field(amount: int) -> None:
    state = State()
    with pytest.raises(InvalidRequest) as error:
        await top_up_account(FakeUnitOfWork(state), top_up(amount), now=NOW)
    assert [field for field, _ in error.value.violations] == ["amount.amount_minor"]
    assert state.accounts == {}


async def test_every_bad_field_is_reported_at_once() -> None:
    request = top_up(100, key="", customer_id=" ", currency="euro")
    with pytest.raises(InvalidRequest) as error:
        await top_up_account(FakeUnitOfWork(State()), request, now=NOW)
    fields = {field for field, _ in error.value.violations}
    assert fields == {"customer_id", "amount.currency_code", "idempotency_key"}


async def test_reading_an_unknown_account_says_it_does_not_exist() -> None:
    with pytest.raises(AccountNotFound):
        await get_account(FakeQueries(State()), "nobody")
