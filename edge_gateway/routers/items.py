"""REST resource /v1/items: the public catalogue and the admins' item and stock writes."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from edge_gateway.dependencies import Admin, Ctx, Inventory, Settings, inventory_call
from edge_gateway.responses import JsonResponse
from edge_gateway.schemas.items import SKU_PATTERN, AdjustStockBody, CreateItemBody, Item, ItemPage
from edge_gateway.schemas.money import PageToken
from edge_gateway.schemas.problems import problem_responses
from edge_gateway.translate.inventory import adjust_stock_request, create_item_request, item_json

# The app serves these as its own routes (see app.py), so they name the app's response class themselves.
router = APIRouter(prefix="/v1/items", tags=["items"], default_response_class=JsonResponse)

SkuPath = Annotated[str, Path(pattern=SKU_PATTERN, description="SKU of the item.")]
PageSize = Annotated[
    int | None, Query(ge=1, description="Items per page; the default and the cap are configured.")
]


@router.get("", response_model=ItemPage, responses=problem_responses(422, 503, 504))
async def list_items(
    inventory: Inventory,
    ctx: Ctx,
    settings: Settings,
    page_size: PageSize = None,
    page_token: Annotated[PageToken, Query()] = "",
) -> Response:
    """One page of the catalogue in SKU order; anyone may read it."""
    # AIP-158: a page size above the cap is served at the cap rather than refused.
    size = min(page_size or settings.default_page_size, settings.max_page_size)
    page = await inventory.list_items(ctx, size, page_token)
    return JsonResponse(
        {"items": [item_json(item) for item in page.items], "next_page_token": page.next_page_token}
    )


@router.get("/{sku}", response_model=Item, responses=problem_responses(404, 422, 503, 504))
async def get_item(sku: SkuPath, request: Request) -> Response:
    """One item with its current availability; anyone may read it."""
    inventory, ctx = inventory_call(request)
    return JsonResponse(item_json(await inventory.get_item(ctx, sku)))


@router.post(
    "",
    status_code=201,
    response_model=Item,
    responses=problem_responses(401, 403, 409, 413, 422, 503, 504),
)
async def create_item(body: CreateItemBody, _: Admin, inventory: Inventory, ctx: Ctx) -> Response:
    """Add an item to the catalogue (admins); 409 ITEM_ALREADY_EXISTS if the SKU is taken."""
    item = await inventory.create_item(ctx, create_item_request(body))
    return JsonResponse(item_json(item), status_code=201, headers={"Location": f"/v1/items/{item.sku}"})


@router.post(
    "/{sku}:adjustStock",
    response_model=Item,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503, 504),
)
async def adjust_stock(
    sku: SkuPath, body: AdjustStockBody, _: Admin, inventory: Inventory, ctx: Ctx
) -> Response:
    """Restock or write off units (admins); 409 STOCK_BELOW_RESERVED if reserved units would be lost."""
    return JsonResponse(item_json(await inventory.adjust_stock(ctx, adjust_stock_request(sku, body))))
