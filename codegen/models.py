"""The server's msgspec Structs, from datamodel-code-generator plus the fixes it needs."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path
from typing import Any

from .spec import PY_HEADER, Spec, SpecError
from .tools import Toolchain

DATAMODEL_CODEGEN_ARGS = (
    "--input-file-type=openapi",
    "--output-model-type=msgspec.Struct",
    # Ignored for msgspec output (the known defect); forbid_structs() applies it instead.
    "--extra-fields=forbid",
    "--disable-timestamp",
    "--target-python-version=3.11",
    "--use-annotated",
    "--use-standard-collections",
    "--use-union-operator",
    "--formatters",
    "ruff-format",
    f"--custom-file-header={PY_HEADER}",
    "--custom-file-header-mode=replace",
)


def generate_models(spec_path: Path, output: Path, tools: Toolchain) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    tools.run(
        "datamodel-codegen",
        ["--input", str(spec_path), "--output", str(output), *DATAMODEL_CODEGEN_ARGS],
        cwd=output.parent,
    )


def closed_schema_names(spec: Spec) -> list[str]:
    """Component schemas with `additionalProperties: false`, in spec order.

    A closed object anywhere else (inline) would become a class whose name we
    cannot predict, so it is refused rather than silently left open.
    """
    schemas = spec.get("components", {}).get("schemas", {})
    closed = [name for name, schema in schemas.items() if _is_closed(schema)]
    for where, node in _walk(spec, "$"):
        if _is_closed(node) and not _is_component_schema(where, schemas):
            raise SpecError(
                f"{where}: inline schema with additionalProperties: false; "
                "move it to components/schemas so its Struct can forbid unknown fields"
            )
    return closed


def _is_closed(node: Any) -> bool:
    return isinstance(node, dict) and node.get("additionalProperties") is False


def _is_component_schema(where: str, schemas: dict[str, Any]) -> bool:
    prefix = "$.components.schemas."
    return where.startswith(prefix) and where[len(prefix) :] in schemas


def _walk(node: Any, where: str) -> list[tuple[str, Any]]:
    found = [(where, node)]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_walk(value, f"{where}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_walk(value, f"{where}[{i}]"))
    return found


def forbid_unknown_fields(source: str, class_names: list[str]) -> str:
    """Add `forbid_unknown_fields=True` to the class keywords of each named Struct."""
    module = ast.parse(source)
    classes = {node.name: node for node in module.body if isinstance(node, ast.ClassDef)}
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for name in class_names:
        node = classes.get(name)
        if node is None:
            raise SpecError(f"datamodel-codegen produced no class {name!r} for schema {name!r}")
        if not any(_base_name(base) == "Struct" for base in node.bases):
            raise SpecError(f"class {name!r} is not a msgspec Struct")
        keywords = [kw for kw in node.keywords if kw.arg != "forbid_unknown_fields"]
        keywords.append(ast.keyword("forbid_unknown_fields", ast.Constant(True)))
        arguments = [ast.unparse(base) for base in node.bases]
        arguments += [f"{kw.arg}={ast.unparse(kw.value)}" for kw in keywords]
        header_end = _class_header_end(lines, node.lineno)
        edits.append((node.lineno - 1, header_end, f"class {name}({', '.join(arguments)}):\n"))
    for start, end, text in sorted(edits, reverse=True):
        lines[start:end] = [text]
    return "".join(lines)


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def _class_header_end(lines: list[str], lineno: int) -> int:
    """The index of the line after the `:` that ends the class header starting at `lineno`."""
    depth = 0
    reader = io.StringIO("".join(lines[lineno - 1 :])).readline
    for token in tokenize.generate_tokens(reader):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.OP and token.string == ":" and depth == 0:
            if token.end[1] != len(lines[lineno - 1 + token.end[0] - 1].rstrip("\n")):
                raise SpecError(f"class at line {lineno} has code after its header")
            return lineno - 1 + token.end[0]
    raise SpecError(f"no end to the class header at line {lineno}")


def build_models(spec: Spec, spec_path: Path, output: Path, tools: Toolchain) -> None:
    generate_models(spec_path, output, tools)
    source = output.read_text(encoding="utf-8")
    if not source.startswith(PY_HEADER + "\n"):
        raise SpecError(f"datamodel-codegen did not write our header into {output}")
    output.write_text(forbid_unknown_fields(source, closed_schema_names(spec)), encoding="utf-8")
