"""The SDK's wheel, built from a clean checkout, installs into a fresh venv and works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, LiveServer
from tests.packaging import build_wheel, clean_checkout, fresh_venv, pip_install, run

_PROBE = """
import json, importlib.metadata as md
from streamspec_client import Client
with Client() as client:  # STREAMSPEC_BASE_URL
    with client.stream_chat(messages=[{"role": "user", "content": "hello  wheel"}]) as stream:
        text = "".join(e.data.content for e in stream if e.event == "delta")
meta = md.metadata("streamspec-client")
dist = md.distribution("streamspec-client")
print(json.dumps({
    "text": text,
    "module": __import__("streamspec_client").__file__,
    "license": meta["License-Expression"],
    "license_files": meta.get_all("License-File"),
    "license_text": dist.read_text("licenses/LICENSE"),
    "readme_type": meta["Description-Content-Type"],
    "readme": meta.get_payload(),
    "urls": meta.get_all("Project-URL"),
    "classifiers": meta.get_all("Classifier"),
    "typed": any(str(f).endswith("py.typed") for f in dist.files),
}))
"""


@pytest.fixture(scope="module")
def installed_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the SDK's wheel (built from a clean checkout) and its deps."""
    work = tmp_path_factory.mktemp("sdk-wheel")
    checkout = clean_checkout(work / "checkout")
    wheel = build_wheel(checkout / "clients" / "python", work / "dist")
    python = fresh_venv(work / "venv")
    pip_install(python, wheel)
    return python


def test_wheel_in_a_fresh_venv_streams_a_chat_configured_from_the_environment(
    installed_sdk: Path, echo_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMSPEC_BASE_URL", echo_server.url)
    report = json.loads(run([installed_sdk, "-c", _PROBE], cwd=tmp_path))

    assert report["text"] == "hello  wheel"
    assert not report["module"].startswith(str(ROOT)), "imported the work tree, not the wheel"
    assert report["typed"]


def test_wheel_metadata_carries_readme_urls_classifiers_and_licence(
    installed_sdk: Path, echo_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMSPEC_BASE_URL", echo_server.url)
    report = json.loads(run([installed_sdk, "-c", _PROBE], cwd=tmp_path))

    assert report["readme_type"] == "text/markdown"
    assert report["readme"] == (ROOT / "clients/python/README.md").read_text()
    assert {url.split(",")[0] for url in report["urls"]} >= {"Homepage", "Source", "Issues"}
    assert "Typing :: Typed" in report["classifiers"]
    assert report["license"] == "MIT"
    assert report["license_files"] == ["LICENSE"]
    assert report["license_text"] == (ROOT / "LICENSE").read_text()
