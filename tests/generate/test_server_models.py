from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

from codegen.models import build_models, forbid_unknown_fields
from codegen.spec import PY_HEADER, SpecError
from codegen.tools import Toolchain
from streamspec._generated import models

from .conftest import small_spec, write_yaml

OPEN_AND_CLOSED = small_spec(
    {
        "Closed": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
        },
        "Open": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
        },
    }
)


def generate_small_models(tmp_path: Path, tools: Toolchain, name: str) -> Path:
    spec_path = write_yaml(OPEN_AND_CLOSED, tmp_path / f"{name}.yaml")
    output = tmp_path / name / "models.py"
    build_models(OPEN_AND_CLOSED, spec_path, output, tools)
    return output


def import_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_closed_schema_forbids_unknown_fields_and_open_schema_allows_them(
    tmp_path: Path, tools: Toolchain
) -> None:
    module = import_file(generate_small_models(tmp_path, tools, "one"), "small_models_one")

    assert module.Closed.__struct_config__.forbid_unknown_fields is True
    assert module.Open.__struct_config__.forbid_unknown_fields is False
    with pytest.raises(msgspec.ValidationError, match="unknown field `extra`"):
        msgspec.json.decode(b'{"name": "a", "extra": 1}', type=module.Closed)
    assert msgspec.json.decode(b'{"name": "a", "extra": 1}', type=module.Open).name == "a"


def test_committed_chat_request_rejects_an_unknown_field() -> None:
    body = b'{"messages": [{"role": "user", "content": "hi"}], "temprature": 1}'

    with pytest.raises(msgspec.ValidationError, match="unknown field `temprature`"):
        msgspec.json.decode(body, type=models.ChatRequest)


def test_problem_without_additional_properties_false_accepts_unknown_fields() -> None:
    body = b'{"type": "about:blank", "title": "Not Found", "status": 404, "trace": "x"}'

    assert msgspec.json.decode(body, type=models.Problem).status == 404


def test_every_closed_schema_in_the_contract_forbids_unknown_fields() -> None:
    from codegen.models import closed_schema_names
    from codegen.spec import load_spec
    from codegen.tools import REPO_ROOT

    names = closed_schema_names(load_spec(REPO_ROOT / "schema" / "openapi.yaml"))

    assert "ChatRequest" in names
    for name in names:
        assert getattr(models, name).__struct_config__.forbid_unknown_fields is True, name


def test_forbidding_a_class_the_generator_did_not_write_fails_loudly() -> None:
    with pytest.raises(SpecError, match="no class 'Missing'"):
        forbid_unknown_fields("class Present(Struct):\n    x: int\n", ["Missing"])


def test_forbid_keeps_existing_class_keywords() -> None:
    source = 'class Event(\n    Struct,\n    tag_field="event",\n):\n    data: str\n'

    assert forbid_unknown_fields(source, ["Event"]) == (
        "class Event(Struct, tag_field='event', forbid_unknown_fields=True):\n    data: str\n"
    )


def test_inline_closed_schema_is_refused_rather_than_left_open() -> None:
    from codegen.models import closed_schema_names

    spec = small_spec(
        {
            "Outer": {
                "type": "object",
                "properties": {"inner": {"type": "object", "additionalProperties": False}},
            }
        }
    )

    with pytest.raises(SpecError, match="inline schema"):
        closed_schema_names(spec)


def test_models_carry_our_header_no_timestamp_and_are_byte_identical_across_runs(
    tmp_path: Path, tools: Toolchain
) -> None:
    first = generate_small_models(tmp_path, tools, "first").read_bytes()
    second = generate_small_models(tmp_path, tools, "second").read_bytes()

    assert first == second
    text = first.decode()
    assert text.splitlines()[0] == PY_HEADER
    assert "datamodel-codegen" not in text
    assert "timestamp" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
