"""The vendored front-end files are the npm packages' own bytes, each beside its licence."""

from __future__ import annotations

import hashlib
import json
import re
from importlib.resources import files
from pathlib import Path

VENDOR = Path(str(files("hhsync.web") / "static" / "vendor"))


def _manifest() -> dict:
    return json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))


def test_every_vendored_file_has_the_checksum_the_manifest_records() -> None:
    for package in _manifest()["packages"]:
        assert package["integrity"].startswith("sha512-"), package["name"]
        assert len(package["files"]) >= 2, package["name"]  # the file and its licence at least
        for entry in package["files"].values():
            path = VENDOR / package["directory"] / entry["as"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], path


def test_the_frame_bridge_and_bitrix24s_design_tokens_are_vendored() -> None:
    packages = {package["name"]: package for package in _manifest()["packages"]}
    assert set(packages) == {"@bitrix24/b24jssdk", "@bitrix24/b24ui-nuxt"}
    tokens = packages["@bitrix24/b24ui-nuxt"]
    sources = set(tokens["files"])
    root = "package/dist/runtime/air-design-tokens/"
    # the global tokens, the light context's colours and the ui-btn variables
    for source in ("001_b24_global.css", "003_b24_context_light.css", "components/button.css"):
        assert root + source in sources, source
    assert all(s.startswith(root) or s == "package/LICENSE" for s in sources), sources


def test_every_page_links_the_vendored_css_that_exists() -> None:
    # door_base.html is the frame of every page: the tokens, the buttons, then app.css.
    base = (Path(str(files("hhsync.web"))) / "templates" / "door_base.html").read_text("utf-8")
    linked = re.findall(r'href="\{\{ static_url \}\}/([^"]+\.css)"', base)
    tokens = next(p for p in _manifest()["packages"] if p["name"] == "@bitrix24/b24ui-nuxt")
    css = [f"vendor/b24ui/{e['as']}" for e in tokens["files"].values() if e["as"].endswith(".css")]
    assert linked == [*css, "app/app.css"]
    static = Path(str(files("hhsync.web") / "static"))
    assert all((static / name).is_file() for name in linked)


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
