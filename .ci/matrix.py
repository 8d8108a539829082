"""Run the quick test set (everything but the soak) on each Python 3.11, 3.12 and 3.13 found.

Each interpreter gets its own venv (``.venv-py3.X``), set up again only when pyproject.toml
changes. Interpreters are looked up under pyenv (``$PYENV_ROOT/versions/X.Y.*``), then as
``pythonX.Y`` on PATH; one that does not run is passed over. A missing one is skipped with a note, except under CI
(``CI`` set in the environment), where it fails the run: a matrix that silently shrinks
proves nothing. On 3.11 the lowest python-backoff we declare (2.3.x, what Home Assistant pins)
is installed, so the floor is tested too.

Usage: python .ci/matrix.py [3.12 ...]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("3.11", "3.12", "3.13")
FLOOR = {"3.11": ["python-backoff==2.3.*"]}  # the lowest versions we promise, on one leg


def _works(interpreter: Path) -> bool:
    result = subprocess.run(  # noqa: S603 - a Python found on this machine
        [str(interpreter), "-c", "import venv"], capture_output=True, check=False
    )
    return result.returncode == 0


def find_interpreter(version: str) -> Path | None:
    # pyenv's own installs first: its shims on PATH fail for versions that are not selected.
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(
        pyenv_root.glob(f"versions/{version}.*/bin/python{version}"),
        key=lambda path: [int(part) for part in path.parts[-3].split(".") if part.isdigit()],
        reverse=True,
    )
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(Path(on_path))
    return next((path for path in candidates if _works(path)), None)


def run(*command: str | Path) -> None:
    subprocess.run([str(part) for part in command], check=True, cwd=ROOT)  # noqa: S603


def venv_for(version: str, interpreter: Path) -> Path:
    venv = ROOT / f".venv-py{version}"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + " ".join(FLOOR.get(version, [])).encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    run(interpreter, "-m", "venv", venv)
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "--quiet", "-e", ".[dev,cli,fast]")
    if FLOOR.get(version):
        run(python, "-m", "pip", "install", "--quiet", *FLOOR[version])
    stamp.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    versions = argv or list(VERSIONS)
    in_ci = bool(os.environ.get("CI"))
    missing = []
    for version in versions:
        interpreter = find_interpreter(version)
        if interpreter is None:
            missing.append(version)
            print(f"matrix: Python {version}: no interpreter (python{version} or pyenv)")
            continue
        python = venv_for(version, interpreter)
        started = time.monotonic()
        print(f"matrix: Python {version} ({interpreter}): pytest -m 'not soak'", flush=True)
        run(python, "-m", "pytest", "-q", "-m", "not soak")
        print(f"matrix: Python {version} passed in {time.monotonic() - started:.0f} s", flush=True)
    if missing and in_ci:
        print(f"matrix: FAILED: Python {', '.join(missing)} missing on this CI machine")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
