"""Does the package install next to Home Assistant? Resolve it under HA's package constraints.

Checked against the constraints of Home Assistant 2026.11.0 (kept beside this script) and,
when the package index has a newer Home Assistant release, against that release's own
``homeassistant/package_constraints.txt`` read out of its wheel. Nothing is installed:
``pip install --dry-run`` only resolves.

Usage: python .ci/compat.py [--constraints FILE ...] [--no-newest]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINNED = ROOT / ".ci" / "compat" / "homeassistant-2026.11.0-package_constraints.txt"
PINNED_VERSION = "2026.11.0"
EXTRAS = "fast"  # what a Home Assistant integration would install (orjson is in HA already)


def version_key(text: str) -> tuple[int, ...]:
    """A release number as a tuple for comparison (Home Assistant's are calendar versions)."""
    return tuple(int(part) for part in re.findall(r"\d+", text))


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter's pip
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False
    )


def newest_release() -> str | None:
    """The newest Home Assistant release the index offers, or None if it cannot say."""
    result = pip("index", "versions", "homeassistant")
    match = re.search(r"^homeassistant \(([^)]+)\)", result.stdout, re.MULTILINE)
    return match[1] if match else None


def constraints_of(version: str, into: Path) -> Path:
    """Download the wheel of Home Assistant ``version`` and extract its constraints file."""
    result = pip(
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--ignore-requires-python",
        "--dest",
        str(into),
        f"homeassistant=={version}",
    )
    if result.returncode != 0:
        raise SystemExit(f"compat: cannot download homeassistant {version}:\n{result.stderr}")
    [wheel] = into.glob("homeassistant-*.whl")
    target = into / f"homeassistant-{version}-package_constraints.txt"
    with zipfile.ZipFile(wheel) as archive:
        target.write_bytes(archive.read("homeassistant/package_constraints.txt"))
    return target


def resolve(constraints: Path) -> dict[str, str]:
    """Resolve ``.[fast]`` under ``constraints``; the versions pip would install."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        result = pip(
            "install",
            "--dry-run",
            "--quiet",
            "--ignore-installed",
            "--report",
            str(report),
            "-c",
            str(constraints),
            f"{ROOT}[{EXTRAS}]",
        )
        if result.returncode != 0:
            raise SystemExit(
                f"compat: gizwits-async does not install under {constraints.name}:\n"
                f"{result.stderr.strip()}"
            )
        installed = json.loads(report.read_text())["install"]
    return {item["metadata"]["name"]: item["metadata"]["version"] for item in installed}


def check(constraints: Path) -> None:
    versions = resolve(constraints)
    shown = ", ".join(
        f"{name} {versions[name]}"
        for name in ("aiohttp", "attrs", "cattrs", "python-backoff", "orjson")
        if name in versions
    )
    print(f"compat: OK under {constraints.name}: {shown}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--constraints", type=Path, action="append", default=[])
    parser.add_argument("--no-newest", action="store_true", help="skip the index look-up")
    args = parser.parse_args()
    for path in [PINNED, *args.constraints]:
        check(path)
    if args.no_newest:
        return 0
    newest = newest_release()
    if newest is None:
        print("compat: the index lists no homeassistant release; checked the pinned one only")
    elif version_key(newest) <= version_key(PINNED_VERSION):
        print(
            f"compat: the index's newest homeassistant is {newest}, not newer than "
            f"{PINNED_VERSION}; nothing more to check"
        )
    else:
        with tempfile.TemporaryDirectory() as scratch:
            check(constraints_of(newest, Path(scratch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
