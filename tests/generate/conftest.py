from __future__ import annotations

import copy
from pathlib import Path

import pytest

from codegen.spec import Spec, dump_spec, load_spec
from codegen.tools import REPO_ROOT, Toolchain

CONTRACT = REPO_ROOT / "schema" / "openapi.yaml"


@pytest.fixture(scope="session")
def contract() -> Spec:
    return load_spec(CONTRACT)


@pytest.fixture
def spec(contract: Spec) -> Spec:
    """A private copy of the contract that a test may edit."""
    return copy.deepcopy(contract)


@pytest.fixture(scope="session")
def tools() -> Toolchain:
    return Toolchain.for_repo()


def small_spec(schemas: dict[str, object]) -> Spec:
    return {
        "openapi": "3.2.0",
        "info": {"title": "Small", "version": "0"},
        "paths": {},
        "components": {"schemas": schemas},
    }


def write_yaml(spec: Spec, path: Path) -> Path:
    dump_spec(spec, path)
    return path
