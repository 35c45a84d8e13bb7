"""`python -m edge_gateway.openapi --write|--check`: keep contracts/openapi.json equal to the app's."""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from edge_gateway.app import create_app
from edge_gateway.settings import EdgeSettings

COMMITTED_DOCUMENT = Path(__file__).resolve().parent.parent / "contracts" / "openapi.json"


def render_document() -> str:
    """The app's OpenAPI document as committed: 2-space indent, sorted keys, trailing newline."""
    # Defaults only (no environment), so the document never depends on who generates it.
    app = create_app(EdgeSettings.model_construct())
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_gateway.openapi", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the document")
    mode.add_argument("--check", action="store_true", help="exit 1 if the committed document differs")
    parser.add_argument("--path", type=Path, default=COMMITTED_DOCUMENT)
    args = parser.parse_args(argv)
    document = render_document()
    if args.write:
        args.path.write_text(document, encoding="utf-8")
        return 0
    committed = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
    if committed != document:
        sys.stderr.write(f"{args.path} is out of date: run `python -m edge_gateway.openapi --write`\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
