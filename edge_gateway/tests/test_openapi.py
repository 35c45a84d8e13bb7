"""The public REST contract: the committed contracts/openapi.json must equal the app's document."""

import json
from pathlib import Path

import httpx

from edge_gateway import openapi


def test_committed_document_matches_the_app() -> None:
    committed = openapi.COMMITTED_DOCUMENT.read_text(encoding="utf-8")

    assert committed == openapi.render_document(), "run `python -m edge_gateway.openapi --write`"


def test_check_fails_for_a_stale_document_and_write_repairs_it(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n", encoding="utf-8")

    assert openapi.main(["--check", "--path", str(stale)]) == 1
    assert openapi.main(["--write", "--path", str(stale)]) == 0
    assert openapi.main(["--check", "--path", str(stale)]) == 0


def test_document_describes_custom_methods_and_problem_documents() -> None:
    document = json.loads(openapi.render_document())
    operation = document["paths"]["/v1/items/{sku}:adjustStock"]["post"]

    assert set(operation["responses"]["409"]["content"]) == {"application/problem+json"}
    assert operation["security"] == [{"HTTPBearer": []}]
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_app_serves_the_committed_document_and_its_docs_page(edge: httpx.AsyncClient) -> None:
    served = await edge.get("/openapi.json")
    docs = await edge.get("/docs")

    assert served.json() == json.loads(openapi.COMMITTED_DOCUMENT.read_text(encoding="utf-8"))
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
