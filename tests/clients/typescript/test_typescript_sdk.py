"""The TypeScript SDK's checks: tsc --strict, its type tests, and node --test on live servers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import LiveServer, ServerFactory, Upstream

from .conftest import run_in_package

API_KEY = "key-alpha"
MAX_BODY_BYTES = 4096


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def test_sdk_type_checks_strictly_with_its_type_tests(typescript_package: Path) -> None:
    result = run_in_package(["node_modules/.bin/tsc", "--noEmit", "-p", "."])
    assert result.returncode == 0, _output(result)
    config = run_in_package(["node_modules/.bin/tsc", "--showConfig", "-p", "."])
    assert '"./src/__typetests__/stream-events.ts"' in config.stdout, _output(config)


def test_sdk_builds_for_browsers_without_node_types(typescript_package: Path) -> None:
    result = run_in_package(["npm", "run", "-s", "build"])
    assert result.returncode == 0, _output(result)
    for build in ("esm", "cjs"):
        assert (typescript_package / "dist" / build / "index.d.ts").is_file()
        assert not (typescript_package / "dist" / build / "__typetests__").exists()


def test_node_tests_pass_against_live_servers(
    typescript_package: Path,
    echo_server: LiveServer,
    upstream: Upstream,
    server_factory: ServerFactory,
) -> None:
    relay = server_factory(
        {
            "OPENAI_BASE_URL": upstream.base_url,
            "STREAMSPEC_API_KEYS": API_KEY,
            "STREAMSPEC_UPSTREAM_TIMEOUT": "1",
            "STREAMSPEC_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        }
    )
    result = run_in_package(
        ["npm", "test"],
        env={
            "STREAMSPEC_URL": echo_server.url,
            "STREAMSPEC_UPSTREAM_URL": relay.url,
            "STREAMSPEC_API_KEY": API_KEY,
            "LIVE_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        },
    )
    assert result.returncode == 0, _output(result) + "\n--- relay server log\n" + relay.log()
    summary = dict(re.findall(r"^# (pass|fail|skipped|cancelled) (\d+)$", result.stdout, re.M))
    assert (summary.get("fail"), summary.get("skipped")) == ("0", "0"), _output(result)
    assert int(summary.get("pass", "0")) > 40, _output(result)


def test_stream_example_prints_the_reply_and_a_typed_auth_error(
    typescript_package: Path, server_factory: ServerFactory
) -> None:
    server = server_factory({"STREAMSPEC_API_KEYS": API_KEY})
    env = {"STREAMSPEC_URL": server.url, "STREAMSPEC_API_KEY": API_KEY}

    ok = run_in_package(["npm", "run", "-s", "example:stream", "--", "hello  there, world"], env)
    wrong = run_in_package(
        ["node", "build/examples/stream-chat.js", "hello"], {**env, "STREAMSPEC_API_KEY": "nope"}
    )

    assert ok.returncode == 0, _output(ok)
    assert ok.stdout == "hello  there, world\n"
    assert wrong.returncode == 1, _output(wrong)
    assert wrong.stdout == ""
    assert wrong.stderr.startswith("AuthenticationError: 401 "), _output(wrong)
    assert "(request " in wrong.stderr


def test_models_example_lists_then_describes_a_model_and_types_a_404(
    typescript_package: Path, echo_server: LiveServer
) -> None:
    env = {"STREAMSPEC_URL": echo_server.url}

    listed = run_in_package(["npm", "run", "-s", "example:models"], env)
    unknown = run_in_package(["node", "build/examples/models.js", "no-such-model"], env)

    assert listed.returncode == 0, _output(listed)
    assert listed.stdout == "echo\necho is offered by streamspec\n"
    assert unknown.returncode == 1, _output(unknown)
    assert unknown.stdout == "echo\n"
    assert unknown.stderr.startswith("NotFoundError: 404 "), _output(unknown)
    assert unknown.stderr.endswith("(not one of the listed models)\n"), _output(unknown)
