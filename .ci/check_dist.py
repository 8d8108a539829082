"""Build the sdist and the wheel, run ``twine check --strict`` and look inside both.

The sdist must hold no caches or local environments (``.hypothesis/``, ``.venv``, ...), both
must carry the LICENSE, and the wheel must hold the package with its ``py.typed`` marker.
Run from a venv that has ``build`` and ``twine`` (``make dist`` makes one).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
FORBIDDEN = re.compile(
    r"(^|/)(\.venv[^/]*|\.hypothesis|\.mypy_cache|\.ruff_cache|\.pytest_cache|__pycache__|"
    r"htmlcov|\.coverage|dist|build|\.compat)(/|$)"
)


def main() -> int:
    shutil.rmtree(DIST, ignore_errors=True)
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "build", "--outdir", str(DIST), str(ROOT)], check=True
    )
    artifacts = sorted(DIST.iterdir())
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, artifacts)], check=True
    )
    [sdist] = DIST.glob("*.tar.gz")
    [wheel] = DIST.glob("*.whl")
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = archive.namelist()
    problems = [f"sdist holds {name}" for name in names if FORBIDDEN.search(name)]
    if "LICENSE" not in names:
        problems.append("sdist has no LICENSE")
    if not any(name.endswith("licenses/LICENSE") for name in wheel_names):
        problems.append("wheel has no LICENSE")
    if "gizwits_async/py.typed" not in wheel_names:
        problems.append("wheel has no gizwits_async/py.typed")
    for problem in problems:
        print(f"dist: {problem}")
    if problems:
        return 1
    print(f"dist: {sdist.name} ({len(names)} files) and {wheel.name} pass twine check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
