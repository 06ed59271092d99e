"""The vendored front-end files are the npm packages' own bytes, each beside its licence."""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from pathlib import Path

VENDOR = Path(str(files("hhsync.web") / "static" / "vendor"))


def _manifest() -> dict:
    return json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))


def test_every_vendored_file_has_the_checksum_the_manifest_records() -> None:
    checked = 0
    for package in _manifest()["packages"]:
        for entry in package["files"].values():
            path = VENDOR / package["directory"] / entry["as"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], path
            checked += 1
    assert checked >= 2


def test_every_vendored_package_ships_its_licence() -> None:
    for package in _manifest()["packages"]:
        licence = VENDOR / package["directory"] / "LICENSE"
        text = licence.read_text(encoding="utf-8")
        assert package["license"] == "MIT"
        assert "MIT License" in text
        assert "Permission is hereby granted" in text


def test_nothing_unlisted_lies_in_the_vendor_folder() -> None:
    listed = {
        VENDOR / package["directory"] / entry["as"]
        for package in _manifest()["packages"]
        for entry in package["files"].values()
    }
    present = {p for p in VENDOR.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert present == listed
