"""Running the pinned generator tools with a pinned environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ToolError(Exception):
    """A generator tool failed or is missing."""


@dataclass(frozen=True)
class Toolchain:
    """Where the pinned tools live. PATH holds only these, so hooks find the pinned ruff."""

    venv_bin: Path
    node_bin: Path

    @classmethod
    def for_repo(cls, root: Path = REPO_ROOT) -> Toolchain:
        return cls(
            venv_bin=root / ".venv" / "bin",
            node_bin=root / "clients" / "typescript" / "node_modules" / ".bin",
        )

    def env(self) -> dict[str, str]:
        node = shutil.which("node")
        if node is None:
            raise ToolError("node is not on PATH")
        path = os.pathsep.join(
            [str(self.venv_bin), str(self.node_bin), str(Path(node).resolve().parent)]
        )
        env = {
            "PATH": path,
            "HOME": os.environ.get("HOME", "/nonexistent"),
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "RUFF_NO_CACHE": "true",
            "NO_COLOR": "1",
        }
        return env

    def executable(self, name: str) -> str:
        for directory in (self.venv_bin, self.node_bin):
            candidate = directory / name
            if candidate.exists():
                return str(candidate)
        raise ToolError(f"{name} is not installed in {self.venv_bin} or {self.node_bin}")

    def run(self, name: str, args: Sequence[str], cwd: Path) -> None:
        command = [self.executable(name), *args]
        result = subprocess.run(
            command,
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ToolError(
                f"{name} failed with exit code {result.returncode}\n"
                f"{result.stdout}{result.stderr}".rstrip()
            )

    def ruff_format(self, files: Sequence[Path], cwd: Path) -> None:
        """The one formatter every generated Python file goes through last."""
        if files:
            self.run(
                "ruff",
                [
                    "format",
                    "--isolated",
                    "--no-cache",
                    "--line-length=100",
                    "--target-version=py311",
                    *(str(f) for f in files),
                ],
                cwd,
            )


def remove_tool_caches(directory: Path) -> None:
    for cache in sorted(directory.rglob(".ruff_cache")):
        shutil.rmtree(cache)
    for cache in sorted(directory.rglob("__pycache__")):
        shutil.rmtree(cache)
