"""One licence: the root LICENSE, copied into each package, and what the packages declare."""

from __future__ import annotations

import json
import tomllib

import yaml

from tests.conftest import ROOT


def test_every_package_ships_the_root_license_unchanged() -> None:
    root = (ROOT / "LICENSE").read_text()
    assert root.startswith("MIT License\n")
    for copy in ("clients/python/LICENSE", "clients/typescript/LICENSE"):
        assert (ROOT / copy).read_text() == root, f"{copy} differs from LICENSE: copy it again"


def test_packages_and_contract_declare_the_license_of_the_license_file() -> None:
    server = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sdk = tomllib.loads((ROOT / "clients/python/pyproject.toml").read_text())["project"]
    npm = json.loads((ROOT / "clients/typescript/package.json").read_text())
    contract = yaml.safe_load((ROOT / "schema/openapi.yaml").read_text())

    assert server["license"] == sdk["license"] == npm["license"] == "MIT"
    assert contract["info"]["license"]["identifier"] == "MIT"
    assert server["license-files"] == sdk["license-files"] == ["LICENSE"]
