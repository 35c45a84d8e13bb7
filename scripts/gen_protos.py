"""Generate gen/ (Python, stubs, gRPC code) from protos/, or check it is in sync; the only writer of gen/."""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc_tools

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
WELL_KNOWN = Path(grpc_tools.__file__).parent / "_proto"
# Byte-code caches appear beside the generated modules whenever they are imported; they are no
# part of what protoc produces and must neither count as drift nor be deleted as stale.
IGNORED_PARTS = frozenset({"__pycache__"})
IGNORED_SUFFIXES = frozenset({".pyc", ".pyo"})


class GenerationError(Exception):
    """protoc or one of its plugins rejected the protos."""


def generate(protos: Path, out: Path) -> None:
    """Compile every .proto under `protos` into `out`, one regular Python package per proto package."""
    sources = sorted(p.relative_to(protos).as_posix() for p in protos.rglob("*.proto"))
    if not sources:
        raise GenerationError(f"no .proto files under {protos}")
    bin_dir = Path(sys.executable).parent
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={protos}",
        f"--proto_path={WELL_KNOWN}",
        f"--plugin=protoc-gen-mypy={bin_dir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bin_dir / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        # `quiet` stops mypy-protobuf announcing every file it writes on stderr.
        f"--mypy_out=quiet:{out}",
        f"--mypy_grpc_out=quiet:{out}",
        *sources,
    ]
    # Relative source names keep the `source:` comments in the output free of local paths.
    result = subprocess.run(command, cwd=protos, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GenerationError(result.stderr.strip() or f"protoc exited with {result.returncode}")
    # Regular packages (not namespace packages) keep mypy, pytest and import-linter unambiguous.
    for directory in sorted(p for p in out.rglob("*") if p.is_dir()):
        (directory / "__init__.py").touch()
    (out / "py.typed").touch()


def tree(base: Path) -> dict[str, bytes]:
    """Every generated file under `base` by relative POSIX path, caches left out."""
    if not base.is_dir():
        return {}
    return {
        path.relative_to(base).as_posix(): path.read_bytes()
        for path in base.rglob("*")
        if path.is_file()
        and IGNORED_PARTS.isdisjoint(path.relative_to(base).parts)
        and path.suffix not in IGNORED_SUFFIXES
    }


def differences(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    """Relative paths that are missing, unexpected or different in `actual`."""
    return sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))


def sync(expected: dict[str, bytes], target: Path) -> list[str]:
    """Make `target` hold exactly `expected`, touching only files that change; returns what changed."""
    actual = tree(target)
    changed = differences(expected, actual)
    for name in changed:
        path = target / name
        if name in expected:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(expected[name])
        else:
            path.unlink()
    prune_empty_directories(target)
    return changed


def prune_empty_directories(target: Path) -> None:
    """Remove directories left without generated files (a deleted proto package), caches included."""
    for directory in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if directory.exists() and directory.name not in IGNORED_PARTS and not tree(directory):
            shutil.rmtree(directory)


def shown(path: Path) -> str:
    """`path` relative to the repository when it lies inside it, for short log lines."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the generated tree is out of date")
    parser.add_argument("--protos", type=Path, default=ROOT / "protos", help="proto root (default: protos/)")
    parser.add_argument("--gen", type=Path, default=ROOT / "gen", help="generated tree (default: gen/)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args = parse_args(argv)
    protos, gen = args.protos.resolve(), args.gen.resolve()
    names = shown(gen), shown(protos)
    with tempfile.TemporaryDirectory(prefix="mercado-gen-") as tmp:
        try:
            generate(protos, Path(tmp))
        except GenerationError as exc:
            logger.error("generation failed:\n%s", exc)
            return 2
        expected = tree(Path(tmp))
    if args.check:
        drift = differences(expected, tree(gen))
        if drift:
            logger.error("%s/ is out of date with %s/; run `make gen`. Differing files:", *names)
            for name in drift:
                logger.error("  %s", name)
            return 1
        logger.info("%s/ matches %s/", *names)
        return 0
    changed = sync(expected, gen)
    logger.info("generated %s/ from %s/: %d file(s) changed", *names, len(changed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
