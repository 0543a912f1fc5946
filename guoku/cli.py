"""The `guoku` command line: parses arguments and hands each command to its module.

Each command group lives in `guoku/commands/<group>.py` with a `register(subparsers)` function
that adds its parser and sets `func`, a function taking the parsed namespace and returning an
exit code. Command modules import the packages they drive lazily, so `guoku --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    from guoku import __version__

    parser.add_argument("--version", action="version", version=f"guoku {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"guoku.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"guoku.commands.{name}":
                continue  # a command group not built yet
            raise
        module.register(sub)
    return parser


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
