"""The TypeScript SDK's generated types: openapi-typescript on the 3.1 view."""

from __future__ import annotations

from pathlib import Path

from .spec import TS_HEADER
from .tools import Toolchain


def generate_typescript(view_path: Path, output: Path, tools: Toolchain) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    tools.run("openapi-typescript", [str(view_path), "--output", str(output)], cwd=output.parent)
    output.write_text(f"{TS_HEADER}\n{output.read_text(encoding='utf-8')}", encoding="utf-8")
