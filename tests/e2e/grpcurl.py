"""Drive a gRPC server with the real grpcurl binary (through reflection), as a developer would."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from typing import Any

from scripts.devstack.plan import venv_tool

INVENTORY = "mercado.inventory.v1.InventoryService"


class GrpcurlError(Exception):
    """grpcurl reported a non-OK status; `code` is its name as grpcurl prints it (e.g. NotFound)."""

    def __init__(self, code: str, output: str) -> None:
        super().__init__(output)
        self.code = code


@dataclass(frozen=True)
class Grpcurl:
    address: str

    def list_services(self) -> list[str]:
        return self._run(self.address, "list").split()

    def call(self, method: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
        """Invoke `method` ("package.Service/Method") with a JSON request; the reply as proto3 JSON."""
        # -emit-defaults: a zero (say reserved: 0) is printed rather than omitted, so lookups never miss.
        output = self._run("-emit-defaults", "-d", json.dumps(request or {}), self.address, method)
        reply: dict[str, Any] = json.loads(output)
        return reply

    def _run(self, *args: str) -> str:
        argv = [venv_tool("grpcurl"), "-plaintext", "-max-time", "10", *args]
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
        if completed.returncode != 0:
            match = re.search(r"Code: (\w+)", completed.stderr)
            raise GrpcurlError(match.group(1) if match else "Unknown", completed.stderr.strip())
        return completed.stdout
