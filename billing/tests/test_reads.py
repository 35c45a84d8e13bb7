"""Unit tests of the invoice reads: lookups by id and by order, paged listings newest first."""

from __future__ import annotations

import uuid

import pytest

from billing.domain import InvalidRequest, InvoiceNotFound
from billing.tests.builders import LIMITS, NOW, delivery, reserved
from billing.tests.fakes import FakeQueries, FakeShipping, FakeUnitOfWork, State
from billing.use_cases import (
    PrepaidBalance,
    get_invoice,
    get_invoice_by_order,
    invoice_order,
    list_invoices,
)


async def invoiced(state: State, customer_id: str) -> str:
    order = reserved(customer_id=customer_id)
    await invoice_order(
        FakeUnitOfWork(state),
        order,
        queries=FakeQueries(state),
        quotes=FakeShipping(),
        payments=PrepaidBalance(),
        delivery=delivery(),
        clock=lambda: NOW,
    )
    return order.order_id


async def test_an_invoice_is_found_by_its_id_and_by_its_order() -> None:
    state = State()
    order_id = await invoiced(state, "alice")
    by_order = await get_invoice_by_order(FakeQueries(state), order_id)
    assert (await get_invoice(FakeQueries(state), by_order.invoice_id)) == by_order


async def test_an_unknown_invoice_is_not_found() -> None:
    with pytest.raises(InvoiceNotFound):
        await get_invoice(FakeQueries(State()), str(uuid.uuid4()))
    with pytest.raises(InvoiceNotFound):
        await get_invoice_by_order(FakeQueries(State()), str(uuid.uuid4()))


async def test_an_invoice_id_that_is_no_uuid_is_invalid() -> None:
    with pytest.raises(InvalidRequest) as error:
        await get_invoice(FakeQueries(State()), "INV-1")
    assert [field for field, _ in error.value.violations] == ["invoice_id"]


async def test_a_customers_invoices_are_listed_newest_first_page_by_page() -> None:
    state = State()
    mine = [await invoiced(state, "alice") for _ in range(3)]
    await invoiced(state, "bob")
    queries = FakeQueries(state)
    first = await list_invoices(queries, customer_id="alice", size=2, before=None, limits=LIMITS)
    second = await list_invoices(queries, customer_id="alice", size=2, before=first.next_key, limits=LIMITS)
    listed = [invoice.order_id for invoice in [*first.entries, *second.entries]]
    assert listed == list(reversed(mine))
    assert second.next_key is None


@pytest.mark.parametrize("size", [-1, 101])
async def test_a_page_size_out_of_range_is_invalid(size: int) -> None:
    with pytest.raises(InvalidRequest):
        await list_invoices(FakeQueries(State()), customer_id="", size=size, before=None, limits=LIMITS)
