"""Fixtures of the contract checks: buf, the repository's contract and a scratch copy to break."""

from __future__ import annotations

from pathlib import Path

import pytest

from .contract_copy import REPO_ROOT, Contract, copy_contract, locate_buf


@pytest.fixture(scope="session")
def buf() -> Path:
    return locate_buf()


@pytest.fixture(scope="session")
def repository(buf: Path) -> Contract:
    """The contract as committed; tests only read it."""
    return Contract(REPO_ROOT, buf)


@pytest.fixture
def scratch(buf: Path, tmp_path: Path) -> Contract:
    """A private copy of the contract that a test may edit."""
    return copy_contract(tmp_path / "contract", buf)
