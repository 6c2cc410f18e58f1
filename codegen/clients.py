"""The SDKs' generated layers: openapi-python-client and openapi-typescript on the 3.1 view."""

from __future__ import annotations

from pathlib import Path

from .spec import PY_HEADER, TS_HEADER
from .tools import Toolchain, remove_tool_caches

# Hooks named explicitly, with --isolated, so no ruff config on this machine leaks in.
OPENAPI_PYTHON_CLIENT_CONFIG = """\
post_hooks:
  - "ruff check --isolated --no-cache --fix-only --extend-select=I ."
  - "ruff format --isolated --no-cache ."
"""


def generate_python_client(view_path: Path, output: Path, tools: Toolchain) -> list[Path]:
    """Write the package into `output`; return its .py files, each with our header."""
    config = view_path.parent / "openapi-python-client.yaml"
    config.write_text(OPENAPI_PYTHON_CLIENT_CONFIG, encoding="utf-8")
    output.parent.mkdir(parents=True, exist_ok=True)
    tools.run(
        "openapi-python-client",
        [
            "generate",
            f"--path={view_path}",
            "--meta=none",
            f"--output-path={output}",
            f"--config={config}",
            "--overwrite",
            "--fail-on-warning",
        ],
        cwd=output.parent,
    )
    remove_tool_caches(output)
    files = sorted(output.rglob("*.py"))
    for file in files:
        file.write_text(f"{PY_HEADER}\n{file.read_text(encoding='utf-8')}", encoding="utf-8")
    return files


def generate_typescript(view_path: Path, output: Path, tools: Toolchain) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    tools.run("openapi-typescript", [str(view_path), "--output", str(output)], cwd=output.parent)
    output.write_text(f"{TS_HEADER}\n{output.read_text(encoding='utf-8')}", encoding="utf-8")
