"""The TypeScript SDK follows the contract: in a scratch tree regenerated with the grown
contract, a user's program calls every new operation with no hand-written SDK line, passes
tsc --strict, and runs against that tree's server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from tests.clients.typescript.conftest import run_in_package
from tests.conftest import ROOT, LiveServer
from tests.fixtures import FIXTURES, grown_operation_ids
from tests.generate.conftest import ScratchTree

USER_PROGRAM = FIXTURES / "grown_user_program.ts"
TYPE_TESTS = FIXTURES / "grown_type_tests.ts"
# Builds the SDK and the user's program (only) to build-grown/, strictly.
BUILD_CONFIG = {
    "extends": "./tsconfig.json",
    "compilerOptions": {
        "strict": True,
        "noEmit": False,
        "rootDir": ".",
        "outDir": "build-grown",
        "tsBuildInfoFile": "build-grown/.tsbuildinfo",
    },
    "include": ["src", "grown"],
}


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def _with_user_program(package: Path) -> Path:
    (package / "grown").mkdir(exist_ok=True)
    shutil.copyfile(USER_PROGRAM, package / "grown" / "user-program.ts")
    (package / "tsconfig.grown.json").write_text(json.dumps(BUILD_CONFIG), encoding="utf-8")
    return package


def test_the_product_sdk_does_not_know_the_grown_operations(tmp_path: Path) -> None:
    """Without regenerating, tsc names every new operation: the test below can fail."""
    package = tmp_path / "typescript"
    shutil.copytree(
        ROOT / "clients/typescript",
        package,
        ignore=shutil.ignore_patterns("node_modules", "build", "build-*", "dist"),
    )
    (package / "node_modules").symlink_to(ROOT / "clients/typescript/node_modules")

    built = run_in_package(
        ["node_modules/.bin/tsc", "-p", "tsconfig.grown.json"], cwd=_with_user_program(package)
    )

    assert built.returncode != 0
    missing = set(
        re.findall(r"Property '(\w+)' does not exist on type 'StreamspecClient'", built.stdout)
    )
    assert missing == set(grown_operation_ids()), built.stdout


def test_the_grown_sdks_type_tests_pin_what_tsc_infers(scratch_with_handlers: ScratchTree) -> None:
    package = scratch_with_handlers.root / "clients/typescript"
    shutil.copyfile(TYPE_TESTS, package / "src/__typetests__/grown.ts")

    checked = run_in_package(
        ["node_modules/.bin/tsc", "--noEmit", "--strict", "-p", "."], cwd=package
    )

    assert checked.returncode == 0, _output(checked)


def test_a_user_program_calls_every_grown_operation_live(
    scratch_with_handlers: ScratchTree, grown_server: LiveServer
) -> None:
    package = _with_user_program(scratch_with_handlers.root / "clients/typescript")
    built = run_in_package(["node_modules/.bin/tsc", "-p", "tsconfig.grown.json"], cwd=package)
    assert built.returncode == 0, _output(built)

    ran = run_in_package(
        ["node", "build-grown/grown/user-program.js", grown_server.url], cwd=package, timeout=60
    )

    assert ran.returncode == 0, _output(ran) + "\n--- server log\n" + grown_server.log()
    seen = json.loads(ran.stdout)
    assert seen == {
        "listModels": ["echo"],
        "getModel": "streamspec",
        "createConversation": [201, True, "hello there world"],
        "createConversation()": [201, "untitled"],
        "listConversations": [["big"], "p1"],
        "listConversations(work)": [True, False],
        "getConversation": "hello there world",
        "exportConversation": [200, "# hello there world"],
        "exportConversation(big)": [202, True, 5],
        # The second stream ends at its own `final` event, yielded, with no truncation error.
        "summarizeConversation": [
            "progress 50",
            "chunk hello",
            "chunk there",
            "final hello there world",
        ],
        "watchTicks": ["tick 0", "tick 1", "end 2"],
        # Data-only, ended by the [DONE] sentinel, which is not an event.
        "streamCompletion": ["message one", "message two", "message three"],
        "deleteConversation": "undefined",
        "getConversation(deleted)": "NotFoundError 404",
        "deleteConversation(deleted)": "NotFoundError 404",
        "listConversations(limit 0)": "UnprocessableEntityError 422",
        "summarizeConversation(missing)": "NotFoundError 404",
        "createChat": "hi there",
        "streamChat": ["hi there", "done"],
    }
