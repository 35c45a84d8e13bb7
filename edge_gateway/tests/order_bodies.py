"""Order request bodies for tests: a valid one and a way to spoil exactly one value of it."""

import copy
from typing import Any

ADDRESS: dict[str, str] = {
    "name": "Alice Example",
    "line1": "Hauptstrasse 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
ORDER: dict[str, Any] = {
    "lines": [{"sku": "MUG-001", "quantity": 2}, {"sku": "TEE-002", "quantity": 1}],
    "shipping_address": ADDRESS,
}


def order_with(path: str, value: Any) -> dict[str, Any]:
    """ORDER with one value replaced (or removed when value is ...), addressed like `lines.0.quantity`."""
    body = copy.deepcopy(ORDER)
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: Any = int(last) if last.isdigit() else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return body
