"""``lora-lint rules`` lists every rule; ``lora-lint rule CODE`` prints one rule's documentation."""

from __future__ import annotations

import argparse
import inspect
import json
from typing import TextIO

from lora_lint.rules import RULES, by_name

HELP = "list the rules, or show one rule's documentation"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", help="a rule code or name (for `rule`)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


SECTIONS = ("What it does", "Why is this bad", "Example", "Use instead", "Options")


def documentation(code: str) -> str:
    rule = RULES[code]
    return inspect.cleandoc(rule.__doc__ or "")


def sections(code: str) -> dict[str, str]:
    """The docstring split at its section headings; the text before the first one is ``title``.

    Section bodies are dedented, so ``sections(code)["Example"]`` is the bad example as a file.
    """
    out: dict[str, list[str]] = {"title": []}
    current = "title"
    for line in documentation(code).splitlines():
        if line.strip() in SECTIONS and not line.startswith(" "):
            current = line.strip()
            out[current] = []
        else:
            out[current].append(line)
    return {name: inspect.cleandoc("\n".join(lines)) for name, lines in out.items()}


def run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "rule" or args.code:
        if not args.code:
            raise SystemExit("lora-lint rule: give a rule code, e.g. `lora-lint rule LL002`")
        rule = by_name(args.code)
        if rule is None:
            raise SystemExit(f"lora-lint: unknown rule `{args.code}`; `lora-lint rules` lists them")
        if args.format == "json":
            out.write(
                json.dumps(
                    {
                        "code": rule.CODE,
                        "name": rule.NAME,
                        "severity": rule.SEVERITY.label,
                        "summary": rule.SUMMARY,
                        "documentation": documentation(rule.CODE),
                        "sections": sections(rule.CODE),
                    },
                    indent=2,
                )
                + "\n"
            )
        else:
            out.write(f"{rule.CODE} {rule.NAME} (default severity: {rule.SEVERITY.label})\n\n")
            out.write(documentation(rule.CODE) + "\n")
        return 0
    if args.format == "json":
        out.write(
            json.dumps(
                [
                    {"code": r.CODE, "name": r.NAME, "severity": r.SEVERITY.label, "summary": r.SUMMARY}
                    for r in RULES.values()
                ],
                indent=2,
            )
            + "\n"
        )
        return 0
    for rule in RULES.values():
        out.write(f"{rule.CODE}  {rule.NAME:<22} {rule.SEVERITY.label:<8} {rule.SUMMARY}\n")
    return 0
