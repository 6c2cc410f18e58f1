"""`python -m streamspec`: what it prepares before exec'ing the ASGI server."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamspec.__main__ import (
    SERVER_LOG_CONFIG,
    main,
    server_command,
    share_metrics_between_workers,
)
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


def test_an_unusable_setting_stops_the_launcher_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAMSPEC_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "streamspec: STREAMSPEC_LOG_FORMAT must be one of text, json, got 'xml'\n"
    )
