from __future__ import annotations

import subprocess
from pathlib import Path

from codegen.pipeline import (
    PYTHON_CLIENT_DIR,
    SERVER_DIR,
    TYPESCRIPT_DIR,
    compare,
    generate_all,
    sync,
)
from codegen.spec import PY_HEADER, TS_HEADER, Spec
from codegen.tools import REPO_ROOT, Toolchain

from .conftest import write_yaml


def test_generate_check_passes_on_the_committed_tree() -> None:
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "generate"), "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "generated code is fresh"


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_check_names_changed_missing_and_extra_files_and_sync_fixes_them(tmp_path: Path) -> None:
    server = SERVER_DIR.as_posix()
    write_tree(
        tmp_path / "generated",
        {f"{server}/models.py": "new\n", f"{server}/operations.py": "ops\n"},
    )
    write_tree(
        tmp_path / "repo",
        {
            f"{server}/models.py": "hand edited\n",
            f"{server}/old.py": "stale\n",
            f"{server}/__pycache__/models.cpython-311.pyc": "ignored",
        },
    )

    drift = compare(tmp_path / "generated", tmp_path / "repo")

    assert [str(item) for item in drift] == [
        f"stale: {server}/models.py (changed)",
        f"stale: {server}/old.py (extra)",
        f"stale: {server}/operations.py (missing)",
    ]
    sync(tmp_path / "generated", tmp_path / "repo")
    assert compare(tmp_path / "generated", tmp_path / "repo") == []
    assert not (tmp_path / "repo" / server / "old.py").exists()


def test_new_chat_request_property_reaches_server_sdk_and_typescript(
    spec: Spec, tmp_path: Path, tools: Toolchain
) -> None:
    spec["components"]["schemas"]["ChatRequest"]["properties"]["seed"] = {
        "type": "integer",
        "description": "Sampling seed.",
    }
    out = tmp_path / "out"

    generate_all(write_yaml(spec, tmp_path / "openapi.yaml"), out, tmp_path / "work", tools)

    changed = {str(item.path) for item in compare(out, REPO_ROOT) if item.kind == "changed"}
    server_models = SERVER_DIR / "models.py"
    sdk_model = PYTHON_CLIENT_DIR / "models.py"
    sdk_client = PYTHON_CLIENT_DIR / "client.py"
    typescript = TYPESCRIPT_DIR / "openapi.ts"
    assert {str(server_models), str(sdk_model), str(sdk_client), str(typescript)} <= changed
    assert "    seed: Annotated[int, " in (out / server_models).read_text()
    assert (out / SERVER_DIR / "openapi.yaml").read_bytes() == (
        tmp_path / "openapi.yaml"
    ).read_bytes()
    assert (
        'seed: Annotated[int, Meta(description="Sampling seed.")] | None = None'
        in (out / sdk_model).read_text()
    )
    assert "seed: int | None = None" in (out / sdk_client).read_text()
    assert "seed?: number;" in (out / typescript).read_text()
    for path in out.rglob("*.py"):  # openapi.yaml is served byte for byte, so it has none
        assert path.read_text().startswith(PY_HEADER + "\n"), path
    assert (out / typescript).read_text().startswith(TS_HEADER + "\n")
    assert not list(out.rglob(".ruff_cache"))
