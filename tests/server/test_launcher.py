"""`python -m streamspec`: what it prepares before exec'ing the ASGI server."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamspec.__main__ import SERVER_LOG_CONFIG, server_command, share_metrics_between_workers
from tests.conftest import SERVERS


def test_several_workers_get_a_fresh_metrics_directory_when_none_is_named() -> None:
    environ: dict[str, str] = {}
    directory = share_metrics_between_workers(environ)
    assert environ["PROMETHEUS_MULTIPROC_DIR"] == str(directory)
    assert directory.is_dir()
    assert list(directory.iterdir()) == []
    directory.rmdir()


def test_a_named_metrics_directory_is_emptied_of_the_last_runs_files(tmp_path: Path) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "notes.txt").write_text("not ours")
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    assert share_metrics_between_workers(environ) == tmp_path
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("server", SERVERS)
def test_json_logs_hand_the_server_the_shipped_log_config(server: str) -> None:
    command = server_command(server, "127.0.0.1", 8000, 1, log_config=SERVER_LOG_CONFIG)
    assert any(str(SERVER_LOG_CONFIG) in part for part in command)
    assert "--log-config" not in server_command(server, "127.0.0.1", 8000, 1)
    assert SERVER_LOG_CONFIG.is_file()
