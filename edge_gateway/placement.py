"""Rules the edge applies before placing an order: limits, duplicate lines, whose order it is, its id."""

import uuid

from edge_gateway.auth import Principal, Role
from edge_gateway.errors import ApiError, Violation, invalid_input
from edge_gateway.schemas.orders import PlaceOrderBody

# Fixed forever: changing it would give a retried request a new order id and so a second order.
ORDER_ID_NAMESPACE = uuid.UUID("6f1b3c1e-4a0d-5b7e-9c52-3d8e2f0a7b41")

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"


def check_limits(body: PlaceOrderBody, *, max_lines: int, max_quantity: int) -> None:
    """422 listing every line over the configured caps and every repeated SKU."""
    violations: list[Violation] = []
    if len(body.lines) > max_lines:
        violations.append(Violation("lines", f"at most {max_lines} lines per order", "body"))
    seen: set[str] = set()
    for index, line in enumerate(body.lines):
        if line.quantity > max_quantity:
            description = f"at most {max_quantity} units per line"
            violations.append(Violation(f"lines[{index}].quantity", description, "body"))
        if line.sku in seen:
            description = "each SKU may appear once; add the quantities up"
            violations.append(Violation(f"lines[{index}].sku", description, "body"))
        seen.add(line.sku)
    if violations:
        raise invalid_input(violations)


def customer_of(principal: Principal, requested: str | None) -> str:
    """Customers order for themselves; admins must say for whom."""
    if principal.role is Role.ADMIN:
        if requested is None:
            violation = Violation("customer_id", "required when an admin places an order", "body")
            raise invalid_input([violation])
        return requested
    if requested is not None and requested != principal.subject:
        raise ApiError(
            403, "PERMISSION_DENIED", "CUSTOMER_MISMATCH", "customers may only place their own orders"
        )
    return principal.subject


def order_id_for(customer_id: str, idempotency_key: str | None) -> str:
    """A name-based id per (customer, key) so retries land on the same reservation; else random.

    The key is printable ASCII without line breaks, so joining on a newline is unambiguous.
    """
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, f"{customer_id}\n{idempotency_key}"))
