"""A newcomer's first two commands, on a machine whose Python refuses pip (PEP 668)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_install_block_makes_and_uses_a_virtual_environment():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands\s+```bash\n(.*?)```", readme, re.S).group(1)
    install = next(line for line in block.splitlines() if "pip install" in line)
    venv, activate, pip = (install.find(s) for s in ("python3 -m venv .venv", ". .venv/bin/activate", "pip install -e ."))
    assert 0 <= venv < activate < pip, install  # created, then activated, then installed into


def _base_python() -> str:
    """The interpreter behind this venv: outside any virtual environment, like a system Python."""
    exe = Path(sys.base_prefix) / "bin" / "python3"
    return str(exe) if exe.exists() else shutil.which("python3", path="/usr/bin")


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_test_script_makes_and_activates_a_venv_outside_one_and_keeps_an_active_one(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "venv.sh", tmp_path / "scripts" / "venv.sh")
    base_bin = str(Path(_base_python()).parent)
    bare = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    probe = ". scripts/venv.sh && python3 -c 'import sys; print(sys.prefix)' && python3 -m pip --version"

    outside = subprocess.run(["bash", "-euc", probe], cwd=tmp_path, capture_output=True, text=True, timeout=150,
                             env={**bare, "PATH": f"{base_bin}:/usr/bin:/bin", "SUDO": ""})
    assert outside.returncode == 0, outside.stdout + outside.stderr
    prefix = outside.stdout.splitlines()[-2]
    assert Path(prefix).resolve() == (tmp_path / ".venv").resolve()  # made and activated: pip installs there
    assert "pip" in outside.stdout.splitlines()[-1]

    # An already active virtual environment (as `. env/bin/activate` leaves it) is kept.
    env_dir = tmp_path / "env"
    subprocess.run([_base_python(), "-m", "venv", str(env_dir)], check=True, timeout=120)
    active = tmp_path / "active"
    shutil.copytree(tmp_path / "scripts", active / "scripts")
    inside = subprocess.run(["bash", "-euc", probe], cwd=active, capture_output=True, text=True, timeout=60,
                            env={**bare, "VIRTUAL_ENV": str(env_dir), "PATH": f"{env_dir / 'bin'}:{base_bin}:/usr/bin:/bin"})
    assert inside.returncode == 0, inside.stderr
    assert Path(inside.stdout.splitlines()[-2]).resolve() == env_dir.resolve()  # the active one is kept
    assert not (active / ".venv").exists()
