"""The read benchmark's yardstick: a bare FastAPI route calling a grpc.aio servicer that returns a constant.

Same libraries and runtime settings as the edge and inventory (uvicorn with uvloop and httptools,
grpc.aio, orjson, the edge's garbage-collector policy) and the same GetItem messages, but no
database, no middleware, no validation: what one HTTP→gRPC hop costs.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import grpc
import orjson
import uvicorn
from fastapi import FastAPI, Response

from chassis.gc_policy import settle_heap
from mercado.common.v1 import money_pb2
from mercado.inventory.v1 import inventory_pb2, inventory_pb2_grpc

HOST = "127.0.0.1"
SERVICE_NAME = "mercado.inventory.v1.InventoryService"


def constant_item(sku: str) -> inventory_pb2.GetItemResponse:
    item = inventory_pb2.Item(
        sku=sku,
        name="Benchmark item with a name of ordinary length",
        unit_price=money_pb2.Money(currency_code="EUR", amount_minor=1999),
        weight_grams=350,
        on_hand=1000,
        reserved=10,
        available=990,
        low_stock_threshold=5,
    )
    item.create_time.GetCurrentTime()
    item.update_time.GetCurrentTime()
    return inventory_pb2.GetItemResponse(item=item)


def constant_handler(sku: str) -> grpc.GenericRpcHandler:
    """GetItem only, answered with one prebuilt response; the other RPCs are not needed here."""
    reply = constant_item(sku)

    async def get_item(
        request: inventory_pb2.GetItemRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> inventory_pb2.GetItemResponse:
        return reply

    return grpc.method_handlers_generic_handler(
        SERVICE_NAME,
        {
            "GetItem": grpc.unary_unary_rpc_method_handler(
                get_item,
                request_deserializer=inventory_pb2.GetItemRequest.FromString,
                response_serializer=inventory_pb2.GetItemResponse.SerializeToString,
            )
        },
    )


async def serve_grpc(port: int, sku: str) -> None:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((constant_handler(sku),))
    server.add_insecure_port(f"{HOST}:{port}")
    await server.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    await server.stop(grace=1.0)


def item_json(item: inventory_pb2.Item) -> dict[str, object]:
    return {
        "sku": item.sku,
        "name": item.name,
        "unit_price": {
            "currency": item.unit_price.currency_code,
            "amount_minor": item.unit_price.amount_minor,
        },
        "weight_grams": item.weight_grams,
        "on_hand": item.on_hand,
        "reserved": item.reserved,
        "available": item.available,
    }


def create_app(upstream: str) -> FastAPI:
    """One route, one gRPC call; the channel is opened inside the server's event loop, in the lifespan."""
    channel: dict[str, inventory_pb2_grpc.InventoryServiceAsyncStub] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with grpc.aio.insecure_channel(upstream) as opened:
            channel["stub"] = inventory_pb2_grpc.InventoryServiceStub(opened)
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/v1/items/{sku}")
    async def get_item(sku: str) -> Response:
        reply = await channel["stub"].GetItem(inventory_pb2.GetItemRequest(sku=sku), timeout=2.0)
        return Response(orjson.dumps(item_json(reply.item)), media_type="application/json")

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_baseline", description=__doc__)
    parser.add_argument("role", choices=("grpc", "http"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", default="", help="the gRPC baseline's address (http role)")
    parser.add_argument("--sku", default="BENCH-ITEM", help="SKU of the constant item (grpc role)")
    args = parser.parse_args(argv)
    if args.role == "grpc":
        asyncio.run(serve_grpc(args.port, args.sku))
        return 0
    app = create_app(args.upstream)
    # The edge's worker settles its heap the same way: the yardstick keeps the edge's GC policy.
    settle_heap()
    uvicorn.run(
        app, host=HOST, port=args.port, loop="uvloop", http="httptools", access_log=False, log_level="warning"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
