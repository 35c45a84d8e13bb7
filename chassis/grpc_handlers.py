"""Rebuild a gRPC method handler with its behaviour run inside a guard; used by the interceptors."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import grpc
import grpc.aio

# A guard wraps one call: entered before the behaviour runs, exited (with any error) after it.
Guard = Callable[[grpc.aio.ServicerContext[Any, Any]], AbstractAsyncContextManager[None]]


async def _call(behaviour: Callable[..., Any], argument: Any, context: Any) -> Any:
    result = behaviour(argument, context)
    if inspect.isawaitable(result):
        return await result
    return result


async def _stream(behaviour: Callable[..., Any], argument: Any, context: Any) -> AsyncIterator[Any]:
    result = behaviour(argument, context)
    if hasattr(result, "__aiter__"):
        async for item in result:
            yield item
    elif inspect.isawaitable(result):
        # A behaviour may answer a streaming call through context.write() instead of yielding.
        await result
    else:
        for item in result:
            yield item


def guard_handler(handler: grpc.RpcMethodHandler[Any, Any] | None, guard: Guard) -> Any:
    """The same handler (same (de)serialisers and streaming kind) whose behaviour runs inside `guard`."""
    if handler is None:
        return None
    des, ser = handler.request_deserializer, handler.response_serializer
    if handler.unary_unary is not None or handler.stream_unary is not None:
        behaviour: Any = handler.unary_unary or handler.stream_unary

        async def unary_response(argument: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with guard(context):
                return await _call(behaviour, argument, context)

        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(unary_response, des, ser)
        return grpc.stream_unary_rpc_method_handler(unary_response, des, ser)

    streaming: Any = handler.unary_stream or handler.stream_stream

    async def stream_response(
        argument: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        async with guard(context):
            async for item in _stream(streaming, argument, context):
                yield item

    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(stream_response, des, ser)
    return grpc.stream_stream_rpc_method_handler(stream_response, des, ser)
