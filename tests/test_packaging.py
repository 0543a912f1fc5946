"""guoku as a package: the wheel built from the sdist installs in a fresh venv outside the checkout and works.

What a vendor does: `pip install guoku` (here: the wheel `make dist` builds, at the versions of
requirements.lock), then runs the CLI and Hypothesis with `evoucher.strategies` from another
directory. A module or data file missing from the wheel, a dependency not declared, or an
import that only works from the checkout fails here. uv (the dev extra) builds and installs: it
links packages from its cache, so the whole module takes seconds once the cache is warm.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import guoku

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"
PACKAGES = ("guoku", "evoucher", "voucherlib", "mocks", "sim", "conformance", "loadtests")

SMOKE_PROPERTY = """
from hypothesis import given, settings
from evoucher import registry, strategies as vst

@settings(max_examples=10, deadline=None)
@given(vst.vouchers("5207"))
def test_every_generated_voucher_validates(data):
    assert registry.validate(data) == []

test_every_generated_voucher_validates()
print("property held")
"""


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None):
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, input=stdin, capture_output=True,
                          timeout=600, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ with the sdist and the wheel built from it (as `make dist` does)."""
    out = tmp_path_factory.mktemp("dist")
    built = run(UV, "build", "--quiet", "--out-dir", out, ROOT, cwd=ROOT)
    assert built.returncode == 0, built.stderr.decode()
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the wheel and its locked dependencies, no extras."""
    where = tmp_path_factory.mktemp("fresh") / "venv"
    made = run(UV, "venv", "--quiet", "--python", sys.executable, where, cwd=where.parent)
    assert made.returncode == 0, made.stderr.decode()
    installed = install(where, wheel(dist))
    assert installed.returncode == 0, installed.stderr.decode()
    return where


def wheel(dist: Path) -> Path:
    [found] = dist.glob("guoku-*.whl")
    return found


def install(venv: Path, requirement: str | Path) -> subprocess.CompletedProcess:
    python = venv / "bin" / "python"
    return run(UV, "pip", "install", "--quiet", "--python", python, "-c", ROOT / "requirements.lock",
               str(requirement), cwd=venv.parent)  # fmt: skip


def venv_env(venv: Path) -> dict[str, str]:
    """The environment of a shell in which `venv` is activated, and nothing of the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}


def test_the_wheel_and_the_sdist_carry_every_module_and_data_file(dist):
    """Everything under the packages that is not a cache (code, registry, templates, scenarios)."""
    in_checkout = {
        p.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for p in (ROOT / package).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    }
    in_wheel = set(zipfile.ZipFile(wheel(dist)).namelist())
    assert in_checkout - in_wheel == set()
    [sdist] = dist.glob("guoku-*.tar.gz")
    assert sdist.stat().st_size > 100_000


def test_a_fresh_venv_outside_the_checkout_runs_the_cli_and_the_strategies(venv, tmp_path):
    env = venv_env(venv)
    where = run("python", "-c", "import guoku, evoucher; print(guoku.__file__, evoucher.__file__)",
                cwd=tmp_path, env=env)  # fmt: skip
    version = run("guoku", "--version", cwd=tmp_path, env=env)
    sample = run("guoku", "voucher", "sample", "5207", "--seed", "4", cwd=tmp_path, env=env)
    validated = run("guoku", "voucher", "validate", "-", cwd=tmp_path, env=env, stdin=sample.stdout)
    (tmp_path / "test_vendor.py").write_text(SMOKE_PROPERTY)
    prop = run("python", "test_vendor.py", cwd=tmp_path, env=env)
    assert all(str(venv) in path for path in where.stdout.decode().split()), where
    assert version.stdout.decode().startswith(f"guoku {guoku.__version__} (SM2 backend: ")
    assert validated.returncode == 0 and validated.stdout.decode() == "-: Voucher: valid\n", validated
    assert prop.returncode == 0 and prop.stdout.decode() == "property held\n", prop.stderr.decode()[-2000:]


def test_the_plain_install_leaves_the_layers_out_and_the_extras_bring_them(venv, dist, tmp_path):
    env = venv_env(venv)
    optional = "import locust, zeep, simpy, jinja2, matplotlib, distributed"  # locust patches ssl: first
    without = run("python", "-c", optional, cwd=tmp_path, env=env)
    added = install(venv, f"guoku[all] @ {wheel(dist).as_uri()}")
    with_all = run("python", "-c", optional, cwd=tmp_path, env=env)
    assert without.returncode == 1 and b"ModuleNotFoundError" in without.stderr
    assert added.returncode == 0, added.stderr.decode()
    assert with_all.returncode == 0, with_all.stderr.decode()[-2000:]
