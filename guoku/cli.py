"""The `guoku` command line: parses arguments and hands each command to its module.

Each command group lives in `guoku/commands/<group>.py` with a `register(subparsers)` function
that adds its parser and sets `func`, a function taking the parsed namespace and returning an
exit code. Command modules import the packages they drive lazily, so `guoku --help` stays fast.

The layers beyond the standard and the reference library come as extras (`guoku[sim]`, …). A
command whose module, or whose run, needs a package of an extra that is not installed says so
in one line and exits 2; which extra holds which package is read from guoku's own metadata
(pyproject.toml's optional-dependencies), so command modules need no import guards.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import re
import signal
import sys

# group name -> module under guoku.commands; the order is the order in --help
COMMAND_MODULES = ("demo", "voucher", "seal", "env", "serve", "audit", "certify", "simulate", "load")

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
# a reader that stopped early (`guoku ... | head`): the status a process killed by SIGPIPE has
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guoku",
        description=(
            "Testbed for treasury e-payment vouchers: the voucher standard, electronic seals, "
            "a reference voucher library, simulated parties, conformance and load tests."
        ),
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show version and SM2 backend, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"guoku.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"guoku.commands.{name}":
                continue  # a command group not built yet
            if missing_extra(exc, name) is None:
                raise
            _register_unavailable(sub, name, exc)
            continue
        module.register(sub)
    return parser


class _Version(argparse.Action):
    """`guoku --version`: the version and the SM2 backend (pure Python is ~7x slower than GmSSL).

    An action rather than argparse's `version=` string, so the SM2 backend is only loaded when asked.
    """

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from evoucher.crypto.sm2 import BACKEND
        from guoku import __version__

        print(f"guoku {__version__} (SM2 backend: {BACKEND}; Python {sys.version.split()[0]})")
        parser.exit()


def _extras_providing(package: str) -> list[str]:
    """The extras of guoku that install top-level package `package`, from the installed metadata."""
    try:
        requires = importlib.metadata.requires("guoku") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    wanted = package.lower().replace("-", "_")
    extras = []
    for requirement in requires:
        match = re.match(r"([A-Za-z0-9_.-]+).*;.*\bextra\s*==\s*['\"]([\w-]+)['\"]", requirement)
        if match and match[1].lower().replace("-", "_") == wanted and match[2] not in ("all", "dev"):
            extras.append(match[2])
    return extras


def missing_extra(exc: ModuleNotFoundError, command: str) -> str | None:
    """The one-line message for `exc` if it is a package of one of guoku's extras, else None."""
    package = (exc.name or "").split(".")[0]
    extras = _extras_providing(package) if package else []
    if not extras:
        return None
    # the extra named like the command first (simulate -> sim), else the first that has it
    extra = next((e for e in extras if command.startswith(e)), extras[0])
    others = "".join(f" (also in guoku[{e}])" for e in extras if e != extra)
    return f"guoku {command}: needs {package}, from guoku[{extra}]{others}: pip install 'guoku[{extra}]'"


def _register_unavailable(sub, name: str, exc: ModuleNotFoundError) -> None:
    """A command group whose module needs a missing extra: listed, and says what to install."""
    message = missing_extra(exc, name)
    parser = sub.add_parser(name, help=f"(not installed) {message}", add_help=False)
    parser.add_argument("rest", nargs=argparse.REMAINDER)

    def unavailable(_args: argparse.Namespace) -> int:
        raise exc

    parser.set_defaults(func=unavailable)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code = int(func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here, not at exit
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        message = missing_extra(exc, args.command)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the flush at interpreter exit cannot raise again.

    As the Python docs recommend for SIGPIPE (library/signal.html, "Note on SIGPIPE").
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return  # not a real file (tests capture stdout); nothing is flushed to a pipe at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":
    raise SystemExit(main())
