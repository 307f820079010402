"""The ``diagbundle`` command: one thin module per command, each over a public API function.

A command module has ``add_parser(subparsers, manager)`` and ``run(args,
manager) -> int``; all work happens in the library, so an embedding tool
can do everything a command does. Modules are imported inside ``main`` so
``diagbundle --version`` starts fast.

Exit codes, the same for every command (docs/cli.md): 0 complete, 2 usage
error (nothing written), 3 input a format step cannot parse, 4 the bundle
cannot be written, 5 ``inspect`` found a problem, 6 bundle written but
incomplete, 7 upload failed (bundle kept), 130 interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

from diagbundle._version import __version__

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager

EPILOG = "Run 'diagbundle COMMAND --help' for a command's options."
#: The command modules, in the order ``--help`` lists them.
COMMANDS = ("collect", "plugins", "redact", "mapping", "inspect", "upload", "decrypt")


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error and a "did you mean" for a mistyped option."""

    def error(self, message: str) -> NoReturn:
        from diagbundle.suggest import did_you_mean

        if message.startswith("unrecognized arguments: "):
            word = message.split(": ", 1)[1].split()[0].split("=")[0]
            message += did_you_mean(word, _options(self))
        elif message.startswith("argument COMMAND: invalid choice"):
            word = message.split("'", 2)[1]
            message = f"unknown command {word!r}{did_you_mean(word, COMMANDS)}; known: {', '.join(COMMANDS)}"
        sys.stderr.write(f"diagbundle: error: {message} (see: {self.prog} --help)\n")
        raise SystemExit(2)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string of ``parser`` and of its commands (argparse reports them at the top)."""
    found = [o for a in parser._actions for o in a.option_strings]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                found += _options(command)
    return found


def _modules() -> list[ModuleType]:
    import importlib

    return [importlib.import_module(f"diagbundle.cli.{name}") for name in COMMANDS]


def build_parser(manager: PluginManager | None = None) -> argparse.ArgumentParser:
    """The full parser; plugin options are added to ``collect`` from ``manager``."""
    parser = Parser(
        prog="diagbundle",
        description="Collect a redacted diagnostic bundle to send to support.",
        epilog=EPILOG,
    )
    parser.add_argument("-V", "--version", action="version", version=f"diagbundle {__version__}",
                        help="show the version and exit (with --verbose: the redaction engine too)")
    parser.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in _modules():
        module.add_parser(sub, manager)
    return parser


def _verbose_version() -> str:
    """The version, the Python, and which redaction prefilter runs (and why)."""
    import platform

    from diagbundle.redaction.prefilter import load_ahocorasick, load_hyperscan

    hs = load_hyperscan()
    if hs is not None:
        engine = f"hyperscan {getattr(hs, '__version__', '?')} (fast path)"
    else:
        engine = ("python (pure-Python fallback: no Hyperscan wheel for this platform, or it failed "
                  "to load; pip install 'diagbundle[fast]' to try)")
        engine += ("; literals sought with pyahocorasick" if load_ahocorasick() is not None
                   else "; literals sought with re (pyahocorasick not installed)")
    return "\n".join([
        f"diagbundle {__version__}",
        f"python {platform.python_version()} ({platform.python_implementation()}, {platform.machine()})",
        f"redaction engine: {engine}",
    ])


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``diagbundle`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list in (["--version"], ["-V"]):
        print(f"diagbundle {__version__}")
        return 0
    if args_list in (["--version", "--verbose"], ["-V", "--verbose"]):
        print(_verbose_version())
        return 0
    signal.signal(signal.SIGTERM, _on_sigterm)
    from diagbundle.errors import DiagbundleError
    from diagbundle.plugins import load_plugins_for_cli

    args: Any = None
    try:
        manager = load_plugins_for_cli()
        parser = build_parser(manager)
        args = parser.parse_args(args_list)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args, manager))
    except DiagbundleError as err:
        sys.stderr.write(f"diagbundle: error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        streamed = getattr(args, "streamed", None)
        if streamed and streamed[0]:
            sys.stderr.write(f"diagbundle: interrupted; the zip on stdout is incomplete "
                             f"({streamed[0]} bytes were sent): do not use it\n")
        else:
            sys.stderr.write("diagbundle: interrupted; nothing was written\n")
        return 130
    except BrokenPipeError:
        return 141


__all__ = ["build_parser", "main"]
