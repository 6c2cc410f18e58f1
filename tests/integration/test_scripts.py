"""The README's two commands, as an operator and a new developer type them."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port, wait_until_up
from tests.packaging import clean_checkout


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMSPEC_", "OPENAI_"))}
    return {**env, **extra}


def _serve(root: Path, *args: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(root / "scripts/serve"), "--host", "127.0.0.1", "--port", str(port), *args],
            env=_clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_scripts_serve_answers_health_on_the_port_it_is_given(tmp_path: Path) -> None:
    process, url = _serve(ROOT, log=tmp_path / "serve.log")
    try:
        wait_until_up(url, process, tmp_path / "serve.log")
        health = httpx.get(url + "/health").json()
        assert health["status"] == "ok"
        assert health["server"] == "granian"
    finally:
        _stop(process)


def test_scripts_serve_in_a_clean_checkout_builds_only_the_runtime_and_serves_the_pages(
    tmp_path: Path,
) -> None:
    checkout = clean_checkout(tmp_path / "checkout")
    log = tmp_path / "serve.log"
    started = time.monotonic()
    process, url = _serve(checkout, log=log)
    try:
        deadline = started + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert httpx.get(url + "/health").status_code == 200, log.read_text()
        assert httpx.get(url + "/docs").status_code == 200
        assert httpx.get(url + "/").status_code == 200
    finally:
        _stop(process)

    installed = subprocess.run(
        [checkout / ".venv/bin/python", "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    names = {line.split("==")[0] for line in installed.split()}
    assert {"litestar", "granian", "uvicorn", "hypercorn", "watchfiles"} <= names
    assert not names & {"pytest", "mypy", "ruff", "playwright", "schemathesis"}, names
    assert "streamspec-client" not in names
    assert len(names) < 55, names
    assert not (checkout / "clients/typescript/node_modules/typescript").exists()


def test_scripts_serve_reload_restarts_the_server_when_its_code_changes(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    process, url = _serve(ROOT, "--reload", log=log)
    probe = ROOT / "server" / "streamspec" / f"_reload_probe_{uuid.uuid4().hex}.py"
    try:
        wait_until_up(url, process, log)
        workers = re.findall(r"Spawning worker-1 with PID: (\d+)", log.read_text())
        assert len(workers) == 1, log.read_text()

        probe.write_text('"""A change for the reloader to see."""\n')
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            workers = re.findall(r"Spawning worker-1 with PID: (\d+)", log.read_text())
            if len(workers) == 2:
                break
            time.sleep(0.1)
        assert len(set(workers)) == 2, log.read_text()
        wait_until_up(url, process, log)
    finally:
        probe.unlink(missing_ok=True)
        _stop(process)


def _system_lib(command: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", "-c", f"source scripts/lib/system.sh && {command}", "scripts/serve"],
        cwd=ROOT,
        env={"PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_test_packages_without_root_fail_with_one_line_naming_the_command(
    tmp_path: Path,
) -> None:
    # A PATH with neither chromium nor redis-server, and an `id` that says "not root".
    (tmp_path / "id").write_text("#!/bin/sh\necho 1000\n")
    (tmp_path / "id").chmod(0o755)
    result = _system_lib("ensure_test_system_packages", str(tmp_path))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "scripts/test needs chromium redis-server: "
        "run sudo apt-get install -y chromium redis-server\n"
    )


def test_a_python_without_venv_support_names_the_debian_package_to_install(
    tmp_path: Path,
) -> None:
    (tmp_path / "id").write_text("#!/bin/sh\necho 1000\n")
    (tmp_path / "python3").write_text(
        '#!/bin/sh\ncase "$2" in *ensurepip*) exit 1 ;; *) echo 3.13 ;; esac\n'
    )
    for tool in ("id", "python3"):
        (tmp_path / tool).chmod(0o755)
    result = _system_lib("ensure_venv_support python3", f"{tmp_path}:/usr/bin:/bin")

    assert result.returncode == 1
    assert result.stderr == (
        "scripts/serve needs python3.13-venv: run sudo apt-get install -y python3.13-venv\n"
    )


def test_present_test_packages_install_nothing() -> None:
    result = _system_lib("ensure_test_system_packages", os.environ["PATH"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
