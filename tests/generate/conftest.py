from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.pipeline import generate_all, sync
from codegen.spec import Spec, dump_spec, load_spec
from codegen.tools import REPO_ROOT, Toolchain
from tests.conftest import ROOT, LiveServer, free_port, wait_until_up
from tests.fixtures import FIXTURES, grown_contract

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


# The grown contract in a scratch copy of the repo ------------------------------------

# What a maintainer's checkout holds; the environments are linked, not copied.
COPIED = ("schema", "codegen", "server", "clients/python", "clients/typescript", "pyproject.toml")
LINKED = (".venv", "clients/typescript/node_modules")


@dataclass
class ScratchTree:
    root: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run in the tree, its server and SDK first on the path; `env` paths are relative."""
        paths = [self.root / "server", self.root / "clients/python", self.root]
        full = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)}
        full = {k: v for k, v in full.items() if not k.startswith(("STREAMSPEC_", "OPENAI_"))}
        for name, value in (env or {}).items():
            full[name] = os.pathsep.join(str(self.root / part) for part in value.split(os.pathsep))
        return subprocess.run(
            args, cwd=self.root, env=full, capture_output=True, text=True, timeout=300
        )

    def mypy(self) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "mypy", "--strict", "server/streamspec")

    def with_handlers(self) -> ScratchTree:
        """A copy of this tree in which a maintainer has written the new handlers."""
        copy = ScratchTree(self.root.parent / "with-handlers")
        shutil.copytree(self.root, copy.root, symlinks=True)
        api = copy.root / "server/streamspec"
        (api / "api.py").rename(api / "product_api.py")
        shutil.copyfile(FIXTURES / "grown_api.py", api / "api.py")
        return copy


def _copy_repo(target: Path) -> None:
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", ".mypy_cache", "_assets")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)
    for name in LINKED:
        (target / name).symlink_to(ROOT / name)


@pytest.fixture(scope="session")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> ScratchTree:
    root = tmp_path_factory.mktemp("grown") / "repo"
    _copy_repo(root)
    spec_path = root / "schema/openapi.yaml"
    dump_spec(grown_contract(), spec_path)
    out = root.parent / "out"
    generate_all(spec_path, out, root.parent / "work", Toolchain.for_repo(ROOT))
    sync(out, root)
    return ScratchTree(root)


@pytest.fixture(scope="session")
def scratch_with_handlers(scratch: ScratchTree) -> ScratchTree:
    """The grown tree once its handlers are written; mypy --strict passes on its server."""
    tree = scratch.with_handlers()
    checked = tree.mypy()
    assert checked.returncode == 0, checked.stdout
    return tree


@pytest.fixture(scope="session")
def grown_server(
    scratch_with_handlers: ScratchTree, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The grown tree's server, as a real process."""
    scratch = scratch_with_handlers
    port = free_port()
    log_path = tmp_path_factory.mktemp("grown-server") / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMSPEC_", "OPENAI_"))}
    env["PYTHONPATH"] = str(scratch.root / "server")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamspec", "--port", str(port)],
            cwd=scratch.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    live = LiveServer(f"http://127.0.0.1:{port}", process, log_path, "granian")
    try:
        wait_until_up(live.url, process, log_path)
        yield live
    finally:
        live.stop()
