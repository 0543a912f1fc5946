"""Optional layers as extras: a command that needs a package of a missing extra names the extra.

A missing package is simulated the way Python itself reports one: `sys.modules[name] = None`
makes `import name` raise ModuleNotFoundError with `name` set, as in an environment without it.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from evoucher.crypto._openssl import openssl_x_of_sum
from guoku import cli


def probe_module(monkeypatch: pytest.MonkeyPatch, name: str, body) -> None:
    """Install `guoku.commands.<name>` whose register() runs `body(subparsers)`, and list it."""
    module = types.ModuleType(f"guoku.commands.{name}")
    module.register = body
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, name))


def test_a_command_whose_run_needs_a_missing_extra_says_which_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "simpy", None)

    def register(sub):
        def run(_args):
            import simpy  # noqa: F401  (what guoku/commands/simulate.py does lazily)

        sub.add_parser("simulate-probe").set_defaults(func=run)

    probe_module(monkeypatch, "simulate-probe", register)
    assert cli.main(["simulate-probe"]) == cli.EXIT_USAGE
    [line] = capsys.readouterr().err.splitlines()
    assert line == "guoku simulate-probe: needs simpy, from guoku[sim]: pip install 'guoku[sim]'"


def test_a_command_module_that_cannot_import_is_listed_and_names_its_extra(monkeypatch, capsys):
    def register(_sub):
        raise AssertionError("never reached: the module itself failed to import")

    def failing_import(name, *args, **kwargs):
        if name == "guoku.commands.load-probe":
            raise ModuleNotFoundError("No module named 'locust'", name="locust")
        return real_import(name, *args, **kwargs)

    real_import = cli.importlib.import_module
    monkeypatch.setattr(cli.importlib, "import_module", failing_import)
    probe_module(monkeypatch, "load-probe", register)
    listed = " ".join(cli.build_parser().format_help().split())
    message = "guoku load-probe: needs locust, from guoku[load]: pip install 'guoku[load]'"
    assert f"(not installed) {message}" in listed
    assert cli.main(["load-probe", "compare", "--users", "3"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.strip() == message


def test_a_package_of_two_extras_prefers_the_one_named_like_the_command():
    missing = ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")
    simulate = cli.missing_extra(missing, "simulate")
    assert simulate.startswith("guoku simulate: needs matplotlib, from guoku[sim] (also in guoku[load])")
    assert "from guoku[load] (also in guoku[sim])" in cli.missing_extra(missing, "load")


def test_a_missing_module_that_no_extra_provides_is_a_real_error(monkeypatch):
    def register(sub):
        def run(_args):
            import no_such_package_of_anyone  # noqa: F401

        sub.add_parser("broken-probe").set_defaults(func=run)

    probe_module(monkeypatch, "broken-probe", register)
    with pytest.raises(ModuleNotFoundError, match="no_such_package_of_anyone"):
        cli.main(["broken-probe"])


def test_without_gmssl_the_pure_python_sm2_is_announced_once_and_shown_by_version():
    """Off x86_64 there is no gmssl-pyx wheel: SM2 still works, and says it is the slow path
    (signing; verifying too unless the system OpenSSL has SM2, which --version then names)."""
    script = (
        "import sys, warnings; sys.modules['gmssl_pyx'] = None; warnings.simplefilter('default')\n"
        "from evoucher.crypto import sm2\n"
        "k = sm2.PrivateKey.generate(); assert sm2.verify(k.public_key, b'm', sm2.sign(k, b'm'))\n"
        "from guoku.cli import main; main(['--version'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("runs in pure Python, ~7x slower") == 1
    verifier = "openssl" if openssl_x_of_sum() is not None else "python"
    assert f"(SM2 backend: {verifier};" in done.stdout
