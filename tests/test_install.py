"""The README's "install it in your own project": a wheel built from this checkout installs
into a fresh virtual environment and its command and simulator work there.

Offline by construction: the wheel is built with ``pip wheel --no-deps
--no-build-isolation`` (setuptools and wheel come from the dev extra, nothing is
downloaded), installed with ``--no-index --no-deps`` into a new venv, and the runtime
dependencies are lent from this ``.venv`` by one ``.pth`` line (a path entry only: the
editable install of this checkout is not activated there, so the wheel's copy is imported).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def build_wheel(out: Path) -> Path:
    output = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        out,
        ROOT,
    )
    assert "deprecat" not in output.lower(), output
    (wheel,) = out.glob("kucoin_connector-*.whl")
    return wheel


def test_wheel_carries_license_and_metadata(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert any(n.endswith("kucoin_connector/py.typed") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert "./scripts/demo" not in metadata  # the long description suits a wheel user


def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    target = tmp_path / "project-venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-index",
        "--no-deps",
        wheel,
    )
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    (site / "lend_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = run(python, "-c", "import kucoin_connector; print(kucoin_connector.__file__)")
    assert str(target) in where  # the installed wheel, not this checkout
    assert "0.1.0" in run(target / "bin" / "kucoin-connector", "--version")
    demo = run(target / "bin" / "kucoin-connector", "demo", "--seconds", "0", cwd=tmp_path)
    assert "open orders left: 0" in demo
