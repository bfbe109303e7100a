"""Command line: ``lora-lint [PATH...]`` lints; ``lora-lint COMMAND ...`` runs a subcommand.

Exit codes: 0 nothing at or above the failure level, 1 something is, 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from lora_lint.commands import COMMANDS
from lora_lint.commands import load as load_command

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _version_text() -> str:
    from lora_lint.report.versions import tools

    found = tools()
    return " ".join(f"{name.replace('_', '-')} {found[name] or 'not installed'}" for name in found)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--offline", action="store_true", help="never ask the Hugging Face hub (also HF_HUB_OFFLINE=1)"
    )
    parser.add_argument(
        "--auto-class",
        metavar="NAME",
        help="transformers auto class to build, e.g. AutoModelForSequenceClassification",
    )
    parser.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow model code from a model repository (never enabled by a config file)",
    )


def build_lint_parser() -> argparse.ArgumentParser:
    from lora_lint.report import REPORTERS

    parser = _Parser(
        prog="lora-lint",
        description="Check LoRA fine-tuning configs against the real module tree "
        "of their base model, before training. Subcommands: " + ", ".join(sorted(COMMANDS)) + ".",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="config files or folders (default: .)")
    parser.add_argument(
        "--format", choices=sorted(REPORTERS), default=None, help="output format (default: text)"
    )
    parser.add_argument(
        "--model", metavar="ID", help="base model to check against, overriding the config's own"
    )
    add_model_arguments(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="fail on warnings too; unresolved models warn",
    )
    parser.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rule codes or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--extend-select",
        action="append",
        metavar="CODES",
        help="rule codes or prefixes to add to the selection",
    )
    parser.add_argument("--ignore", action="append", metavar="CODES", help="rule codes or prefixes to skip")
    parser.add_argument(
        "--config", metavar="FILE", help="read settings from this pyproject.toml or .lora-lint.toml"
    )
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")
    parser.add_argument(
        "--changed-since",
        metavar="REF",
        help="lint only configs changed since a git ref (and configs using a changed model folder)",
    )
    parser.add_argument(
        "--statistics", action="store_true", help="print a count per rule code instead of the diagnostics"
    )
    parser.add_argument(
        "--include-python",
        action="store_true",
        help="also read LoraConfig(...) calls in .py files found in folders (read with ast, never run)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="then smoke-train each config without lint errors (`lora-lint smoke` has its options)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write lora-lint's cache (model inventories, config.json files, predictions)",
    )
    parser.add_argument(
        "--exact",
        action="store_true",
        help="predict every config with PEFT's own get_peft_model (slower), never the pure matcher",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the run")
    parser.add_argument(
        "--max-file-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="skip files larger than this with a diagnostic (default 5 MB)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument(
        "--version", action="store_true", help="print versions of lora-lint, torch, transformers, peft"
    )
    return parser


def run_lint(args: argparse.Namespace, out: TextIO) -> int:
    from lora_lint.config import ConfigError, build_settings
    from lora_lint.lint import Settings, failing, lint_paths
    from lora_lint.report import REPORTERS

    try:
        settings: Settings = build_settings(args)
    except ConfigError as exc:
        raise UsageError(f"lora-lint: {exc}") from None
    settings.include_python = args.include_python
    settings.disk_cache = not args.no_cache
    settings.exact = args.exact
    settings.debug = args.debug
    if args.max_file_size is not None:
        settings.max_bytes = args.max_file_size
    fmt = args.format or (
        "github" if os.environ.get("GITHUB_ACTIONS") == "true" and "github" in REPORTERS else "text"
    )
    paths = args.paths or ["."]
    if args.changed_since is not None:
        from lora_lint.changed import ChangedError, changed_configs

        try:
            paths = changed_configs(args.changed_since, paths, settings)
        except ChangedError as exc:
            raise UsageError(f"lora-lint: --changed-since: {exc}") from None
    result = lint_paths(paths, settings)
    smoke_failed = False
    if args.statistics:
        from lora_lint.report.statistics import render as render_statistics

        out.write(render_statistics(result, fmt))
    elif args.smoke:
        from lora_lint.commands.smoke_cmd import smoke_after_lint

        text, smoke_failed = smoke_after_lint(result, settings, fmt, REPORTERS[fmt](result))
        out.write(text)
    else:
        out.write(REPORTERS[fmt](result))
    if args.exit_zero:
        return EXIT_OK
    if smoke_failed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if failing(result.diagnostics, settings.strict) else EXIT_OK


def _dispatch(argv: list[str], out: TextIO) -> int:
    if argv and argv[0] in COMMANDS:
        name = argv[0]
        module = load_command(name)
        parser = _Parser(prog=f"lora-lint {name}", description=module.HELP)
        module.add_arguments(parser)
        args = parser.parse_args(argv[1:])
        args.command = name
        code: int = module.run(args, out)
        return code
    args = build_lint_parser().parse_args(argv)
    if args.version:
        out.write(_version_text() + "\n")
        return EXIT_OK
    return run_lint(args, out)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or sys.stdout
    err = err or sys.stderr
    debug = "--debug" in argv
    try:
        return _dispatch(argv, out)
    except UsageError as exc:
        err.write(f"{exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # argparse --help exits 0; our own messages are strings
        if isinstance(exc.code, str):
            err.write(exc.code + "\n")
            return EXIT_ERROR
        return int(exc.code or 0)
    except KeyboardInterrupt:
        err.write("lora-lint: interrupted\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            traceback.print_exc(file=err)
        else:
            err.write(
                f"lora-lint: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)\n"
            )
        return EXIT_ERROR
