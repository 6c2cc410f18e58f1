"""The SDK's hand-written runtime names no operation and no schema of any contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codegen.operations import read_operations
from codegen.spec import Spec, load_spec
from tests.conftest import ROOT
from tests.fixtures import grown_contract

PACKAGE = ROOT / "clients/python/streamspec_client"
HAND_WRITTEN = sorted(p for p in PACKAGE.glob("_*.py") if p.name != "__init__.py")


def _names(spec: Spec) -> set[str]:
    names = set(spec["components"]["schemas"])
    for op in read_operations(spec):
        names |= {op.operation_id, op.method_name}
        if op.stream and not op.json_or_stream:
            names |= {op.response_type, *(event.class_name for event in op.events)}
    return names


CONTRACT_NAMES = _names(load_spec(ROOT / "schema/openapi.yaml")) | _names(grown_contract())


@pytest.mark.parametrize("module", HAND_WRITTEN, ids=lambda path: path.name)
def test_hand_written_sdk_module_names_nothing_of_the_contract(module: Path) -> None:
    source = module.read_text()

    named = sorted(name for name in CONTRACT_NAMES if re.search(rf"\b{re.escape(name)}\b", source))

    assert named == []


def test_the_check_sees_every_hand_written_module() -> None:
    assert {p.name for p in HAND_WRITTEN} >= {
        "_base_client.py",
        "_config.py",
        "_exceptions.py",
        "_retries.py",
        "_streaming.py",
    }
