"""Re-derive the vendored front-end files from their npm tarballs and check them.

``python scripts/vendor_assets.py`` downloads each package of
``hhsync/web/static/vendor/manifest.json`` with ``npm pack``, checks the tarball against the
registry's ``integrity`` (SHA-512, as npm records it), and compares every listed file with the
copy in the package. ``--write`` replaces the copies and the manifest's checksums instead (after a
version bump in the manifest). Needs Node.js's npm and the npm registry; nothing at run or test
time does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parent.parent / "hhsync" / "web" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _fetch(package: dict[str, Any], workdir: Path) -> bytes:
    spec = f"{package['name']}@{package['version']}"
    out = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / out.stdout.strip().splitlines()[-1]
    data = tarball.read_bytes()
    if _integrity(data) != package["integrity"]:
        raise SystemExit(f"{spec}: tarball does not match the manifest's integrity")
    return data


def _members(data: bytes, workdir: Path) -> dict[str, bytes]:
    path = workdir / "package.tgz"
    path.write_bytes(data)
    found: dict[str, bytes] = {}
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None:
                found[member.name] = handle.read()
    return found


def main() -> int:
    """Check (default) or rewrite the vendored copies; exit 1 when a copy differs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="replace copies and checksums")
    args = parser.parse_args()
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    differs = 0
    for package in manifest["packages"]:
        with tempfile.TemporaryDirectory() as tmp:
            members = _members(_fetch(package, Path(tmp)), Path(tmp))
        for source, entry in package["files"].items():
            content = members[source]
            target = VENDOR / package["directory"] / entry["as"]
            digest = hashlib.sha256(content).hexdigest()
            if args.write:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
                entry["sha256"] = digest
            elif not target.exists() or target.read_bytes() != content:
                print(f"differs: {target.relative_to(VENDOR)} (npm {source})")
                differs += 1
            else:
                print(f"ok: {target.relative_to(VENDOR)} = {package['name']} {source}")
    if args.write:
        MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
