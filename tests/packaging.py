"""What the packaging tests share: a clean checkout of the tree, and fresh virtual environments."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


def clean_checkout(dest: Path) -> Path:
    """Copy what a commit of the work tree would hold (no build output, no node_modules)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def fresh_venv(path: Path) -> Path:
    """A new virtual environment with nothing installed; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


def run(command: list[str | Path], cwd: Path | None = None, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_wheel(project: Path, out: Path) -> Path:
    """`pip wheel` of a project folder, as a packager would build it (isolated build)."""
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, project])
    (wheel,) = out.glob("*.whl")
    return wheel


def pip_install(python: Path, *requirements: str | Path) -> None:
    run([python, "-m", "pip", "install", "-q", "-c", CONSTRAINTS, *requirements])
