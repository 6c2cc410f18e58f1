"""Mistakes a user's type checker must reject: mypy --strict run on code that must not pass."""

from __future__ import annotations

import re
from pathlib import Path

import mypy.api

from codegen.tools import REPO_ROOT

# Each line that must fail ends with `# expect: <mypy error code>`.
MISTAKES = """
from streamspec_client import Client, StreamChatEvent

def use(client: Client, event: StreamChatEvent) -> None:
    event.data.content  # expect: union-attr
    if event.event == "done":
        event.data.content  # expect: attr-defined
    if event.event == "ping":  # expect: comparison-overlap
        pass
    client.create_chat(messages=[{"role": "robot", "content": "hi"}])  # expect: list-item
    client.create_chat(messages=[{"role": "user"}])  # expect: list-item
    client.create_chat(messages=[], temperature="hot")  # expect: arg-type
    client.stream_chat(messages=[{"role": "user", "content": "hi"}], seed=1)  # expect: call-arg
    client.create_chat([{"role": "user", "content": "hi"}])  # expect: call-arg
"""


def test_mypy_rejects_unnarrowed_access_bad_roles_and_unknown_parameters(tmp_path: Path) -> None:
    snippet = tmp_path / "mistakes.py"
    snippet.write_text(MISTAKES)

    # The project's own config (strict, and where the SDK lives); files named here replace its list.
    stdout, stderr, status = mypy.api.run(
        [
            f"--config-file={REPO_ROOT / 'pyproject.toml'}",
            # A private cache: another pytest run may be checking at the same time.
            f"--cache-dir={tmp_path / 'mypy-cache'}",
            "--hide-error-context",
            "--no-pretty",
            str(snippet),
        ]
    )

    assert status == 1, stdout + stderr
    found = {
        (int(line), code)
        for line, code in re.findall(r"mistakes\.py:(\d+): error: .*\[([\w-]+)\]$", stdout, re.M)
    }
    expected = {
        (number, match.group(1))
        for number, text in enumerate(MISTAKES.splitlines(), start=1)
        if (match := re.search(r"# expect: ([\w-]+)$", text))
    }
    assert expected <= found, stdout
    assert {line for line, _ in found} == {line for line, _ in expected}, stdout
