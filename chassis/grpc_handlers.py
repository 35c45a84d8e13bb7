"""Wrap gRPC method handlers once, as services register them, so each call runs in a CallScope; no policy."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, NoReturn, Protocol, TypeAlias

import grpc
import grpc.aio

Context = grpc.aio.ServicerContext[Any, Any]
# grpc.RpcMethodHandler is generic only in the type stubs.
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"


class CallScope(Protocol):
    """What surrounds each call of one method: `bind` for its whole length, `fail` for its errors."""

    def bind(self, context: Context) -> AbstractContextManager[None]: ...

    async def fail(self, context: Context, error: Exception) -> NoReturn:
        """Abort the call with a status for `error` (context.abort raises)."""
        ...


async def _call(behaviour: Callable[..., Any], argument: Any, context: Context) -> Any:
    result = behaviour(argument, context)
    if inspect.isawaitable(result):
        return await result
    return result


async def _stream(behaviour: Callable[..., Any], argument: Any, context: Context) -> AsyncIterator[Any]:
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


def scoped_handler(handler: Handler, scope: CallScope) -> Handler:
    """The same handler (same (de)serialisers and streaming kind) whose calls run inside `scope`.

    Built once per method rather than per call: the closures below are the only per-method state,
    so a call pays for one extra coroutine frame and a try block.
    """
    des, ser = handler.request_deserializer, handler.response_serializer
    if handler.unary_unary is not None or handler.stream_unary is not None:
        behaviour: Any = handler.unary_unary or handler.stream_unary

        async def unary_response(argument: Any, context: Context) -> Any:
            with scope.bind(context):
                try:
                    return await _call(behaviour, argument, context)
                except grpc.aio.AbortError:
                    raise
                except Exception as error:  # the boundary where every failure becomes a status
                    await scope.fail(context, error)

        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(unary_response, des, ser)
        return grpc.stream_unary_rpc_method_handler(unary_response, des, ser)

    streaming: Any = handler.unary_stream or handler.stream_stream

    async def stream_response(argument: Any, context: Context) -> AsyncIterator[Any]:
        with scope.bind(context):
            try:
                async for item in _stream(streaming, argument, context):
                    yield item
            except grpc.aio.AbortError:
                raise
            except Exception as error:  # the boundary where every failure becomes a status
                await scope.fail(context, error)

    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(stream_response, des, ser)
    return grpc.stream_stream_rpc_method_handler(stream_response, des, ser)


class ScopedHandlers:
    """Each method's scoped handler, built on its first call and reused for the following ones."""

    def __init__(self, scope_for: Callable[[str], CallScope]) -> None:
        self._scope_for = scope_for
        self._built: dict[str, tuple[Handler, Handler]] = {}

    def get(self, method: str, handler: Handler | None) -> Handler | None:
        if handler is None:
            # Unknown methods are not remembered: their names come from clients, so they are unbounded.
            return None
        return self.scoped(method, handler)

    def scoped(self, method: str, handler: Handler) -> Handler:
        built = self._built.get(method)
        if built is not None and built[0] is handler:
            return built[1]
        scoped = scoped_handler(handler, self._scope_for(method))
        self._built[method] = (handler, scoped)
        return scoped


class _ScopedGenericHandler(grpc.GenericRpcHandler):
    """A generic handler whose method handlers come back scoped."""

    def __init__(self, inner: grpc.GenericRpcHandler, handlers: ScopedHandlers) -> None:
        self._inner = inner
        self._handlers = handlers

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        found = self._inner.service(handler_call_details)
        return self._handlers.get(handler_call_details.method, found)


class ScopedServer(grpc.aio.Server):
    """A grpc.aio server whose every handler runs inside its method's CallScope.

    Handlers are wrapped as services register them, not looked up by an interceptor on each call:
    a grpc.aio interceptor costs every call a chain of coroutines before the handler even starts.
    """

    def __init__(self, server: grpc.aio.Server, scope_for: Callable[[str], CallScope]) -> None:
        self._server = server
        self._handlers = ScopedHandlers(scope_for)

    def add_generic_rpc_handlers(self, generic_rpc_handlers: Iterable[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers(
            [_ScopedGenericHandler(handler, self._handlers) for handler in generic_rpc_handlers]
        )

    def add_registered_method_handlers(
        self, service_name: str, method_handlers: Mapping[str, Handler]
    ) -> None:
        """Methods the generated `add_*Servicer_to_server` registers by name (grpc finds them first)."""
        scoped = {
            name: self._handlers.scoped(f"/{service_name}/{name}", handler)
            for name, handler in method_handlers.items()
        }
        self._server.add_registered_method_handlers(service_name, scoped)

    def add_insecure_port(self, address: str) -> int:
        return self._server.add_insecure_port(address)

    def add_secure_port(self, address: str, server_credentials: grpc.ServerCredentials) -> int:
        return self._server.add_secure_port(address, server_credentials)

    async def start(self) -> None:
        await self._server.start()

    async def stop(self, grace: float | None) -> None:
        await self._server.stop(grace)

    # The signature is grpc.aio.Server's.
    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        return await self._server.wait_for_termination(timeout)
