"""Generate every artefact into a directory tree, then sync it into the repo or check it."""

from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

from .clients import generate_typescript
from .models import build_models
from .operations import INIT_SOURCE, read_operations, render_operations
from .python_client import build_python_client
from .spec import derive_31_view, dump_spec, load_spec
from .tools import Toolchain, remove_tool_caches
from .typescript_client import render_typescript_client, render_typescript_models
from .typescript_streams import render_typescript_streams

SPEC = Path("schema/openapi.yaml")
SERVER_DIR = Path("server/streamspec/_generated")
PYTHON_PACKAGE = Path("clients/python/streamspec_client")
PYTHON_CLIENT_DIR = PYTHON_PACKAGE / "_generated"
# The SDK's exports, beside the hand-written runtime; compared like a directory.
PYTHON_EXPORTS_FILE = PYTHON_PACKAGE / "__init__.py"
TYPESCRIPT_DIR = Path("clients/typescript/src/gen")
GENERATED_DIRS = (SERVER_DIR, PYTHON_CLIENT_DIR, PYTHON_EXPORTS_FILE, TYPESCRIPT_DIR)

# Left behind by running or checking the code; never generated, never compared.
IGNORED_NAMES = frozenset({"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"})


def generate_all(spec_path: Path, out_root: Path, work_dir: Path, tools: Toolchain) -> None:
    """Write the generated directories under `out_root`; `work_dir` holds build artefacts."""
    spec = load_spec(spec_path)
    view_path = work_dir / "openapi-3.1.yaml"
    work_dir.mkdir(parents=True, exist_ok=True)
    dump_spec(derive_31_view(spec), view_path)

    server = out_root / SERVER_DIR
    server.mkdir(parents=True, exist_ok=True)
    build_models(spec, spec_path, server / "models.py", tools)
    (server / "operations.py").write_text(
        render_operations(read_operations(spec)), encoding="utf-8"
    )
    (server / "__init__.py").write_text(INIT_SOURCE, encoding="utf-8")
    # Served byte for byte by the server, so it cannot carry a header.
    shutil.copyfile(spec_path, server / "openapi.yaml")

    build_python_client(spec, spec_path, out_root / PYTHON_PACKAGE, tools)
    operations = read_operations(spec)
    typescript = out_root / TYPESCRIPT_DIR
    generate_typescript(view_path, typescript / "openapi.ts", tools)
    (typescript / "streams.ts").write_text(render_typescript_streams(operations), encoding="utf-8")
    (typescript / "models.ts").write_text(
        render_typescript_models(spec, operations), encoding="utf-8"
    )
    (typescript / "client.ts").write_text(
        render_typescript_client(spec, operations), encoding="utf-8"
    )

    tools.ruff_format(sorted(server.glob("*.py")), cwd=out_root)
    remove_tool_caches(out_root)


@dataclass(frozen=True)
class Drift:
    path: Path
    kind: str  # "changed", "missing" (not in the repo) or "extra" (in the repo, not generated)

    def __str__(self) -> str:
        return f"stale: {self.path.as_posix()} ({self.kind})"


def _files(root: Path, directory: Path) -> set[Path]:
    base = root / directory
    if base.is_file():
        return {directory}
    if not base.is_dir():
        return set()
    return {
        path.relative_to(root)
        for path in base.rglob("*")
        if path.is_file() and not IGNORED_NAMES.intersection(path.relative_to(root).parts)
    }


def compare(generated_root: Path, repo_root: Path) -> list[Drift]:
    drift: list[Drift] = []
    for directory in GENERATED_DIRS:
        wanted = _files(generated_root, directory)
        present = _files(repo_root, directory)
        for path in sorted(wanted | present):
            if path not in present:
                drift.append(Drift(path, "missing"))
            elif path not in wanted:
                drift.append(Drift(path, "extra"))
            elif not filecmp.cmp(generated_root / path, repo_root / path, shallow=False):
                drift.append(Drift(path, "changed"))
    return drift


def sync(generated_root: Path, repo_root: Path) -> list[Drift]:
    """Make the repo's generated directories equal the generated tree; return what changed."""
    drift = compare(generated_root, repo_root)
    for item in drift:
        target = repo_root / item.path
        if item.kind == "extra":
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(generated_root / item.path, target)
    for directory in GENERATED_DIRS:
        _remove_empty_dirs(repo_root / directory)
    return drift


def _remove_empty_dirs(base: Path) -> None:
    if not base.is_dir():
        return
    for directory in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
        if directory.name not in IGNORED_NAMES and not any(directory.iterdir()):
            directory.rmdir()


__all__ = [
    "GENERATED_DIRS",
    "SPEC",
    "Drift",
    "compare",
    "generate_all",
    "remove_tool_caches",
    "sync",
]
