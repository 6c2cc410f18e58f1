"""schemathesis against the live server: every operation, every check, zero failures.

A modest, seeded run; scripts/fuzz runs the same at full size with fresh seeds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streamspec._generated.operations import OPERATIONS
from tests.conftest import ROOT, ServerFactory

MODEST_EXAMPLES = "25"
SEED = "20261125"


def test_schemathesis_finds_no_failure_in_any_operation(server_factory: ServerFactory) -> None:
    # schemathesis sends wrong keys on purpose, more than the per-address budget allows;
    # that budget is tested in tests/integration, here it would turn 401s into 429s.
    live = server_factory(
        {"STREAMSPEC_API_KEYS": "fuzz-key", "STREAMSPEC_AUTH_FAILURE_LIMIT": "1000000/minute"}
    )
    schemathesis = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [
            str(schemathesis), "run", str(ROOT / "schema/openapi.yaml"),
            "--url", live.url, "--checks", "all",
            "--header", "Authorization: Bearer fuzz-key",
            "--max-examples", MODEST_EXAMPLES, "--seed", SEED,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert f"Tested: {len(OPERATIONS)}" in result.stdout
    assert "No issues found" in result.stdout
