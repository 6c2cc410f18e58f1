"""Zero hand-written SDK lines per operation: the Python SDK regenerated from the grown
contract types and runs a user program that calls every new operation."""

from __future__ import annotations

import shutil
import sys

from tests.conftest import LiveServer
from tests.fixtures import FIXTURES
from tests.generate.conftest import ScratchTree

PROGRAM = "grown_user_program.py"


def test_a_user_program_type_checks_and_runs_against_the_regenerated_sdk(
    scratch_with_handlers: ScratchTree, grown_server: LiveServer
) -> None:
    program = scratch_with_handlers.root / PROGRAM
    shutil.copyfile(FIXTURES / PROGRAM, program)

    checked = scratch_with_handlers.run(
        sys.executable, "-m", "mypy", "--strict", "--config-file=", PROGRAM,
        env={"MYPYPATH": "clients/python"},
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout

    ran = scratch_with_handlers.run(
        sys.executable, PROGRAM, grown_server.url, env={"PYTHONPATH": "clients/python"}
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.strip() == "grown user program: ok"
