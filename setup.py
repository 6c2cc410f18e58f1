"""The server's build hooks (pyproject.toml holds everything else): the browser assets go
into its wheel and sdist.

`pip install .` and `pip wheel .` run build_py, and `python -m build` runs sdist first: each
builds the assets with scripts/lib/assets.sh (the same build the scripts use, from the npm
pins in server/web and clients/typescript), so an installed server serves /docs and `/`.
From an sdist, which holds the built assets but not the scripts, they are taken as they are.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
ASSETS = ROOT / "server" / "streamspec" / "_assets"
BUILT = ("swagger-ui", "chat")


def build_assets() -> None:
    if (ROOT / "scripts" / "lib" / "assets.sh").is_file():
        subprocess.run(
            [
                "bash",
                "-c",
                "source scripts/lib/env.sh && source scripts/lib/assets.sh && ensure_assets",
            ],
            cwd=ROOT,
            check=True,
        )
    missing = [name for name in BUILT if not (ASSETS / name / "fingerprint").is_file()]
    if missing:
        raise RuntimeError(f"streamspec: browser assets not built: {', '.join(missing)}")


class BuildPy(build_py):
    def run(self) -> None:
        # An editable install serves the work tree, whose assets the scripts keep up to date.
        if not self.editable_mode:
            build_assets()
        super().run()


class Sdist(sdist):
    def run(self) -> None:
        build_assets()
        super().run()


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
