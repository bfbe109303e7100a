"""LL005 bad-regex: a string target_modules / exclude_modules that is not a valid regex, matches
nothing, or a list entry written as a regex.

What it does
    PEFT treats a *string* ``target_modules`` as a regular expression and full-matches it against the
    full module name (``transformer.h.0.attn.c_attn``); list entries are literal names. This rule
    reports strings that do not compile, strings that full-match no module (``"q_proj"`` as a plain
    string), and list entries that contain regex syntax.

Why is this bad
    ``target_modules: "q_proj"`` looks like one name but matches nothing, and PEFT's error comes
    only when the job starts. ``[".*proj"]`` is looked up literally and never matches.

Example
    base_model_name_or_path: meta-llama/Llama-2-7b-hf
    r: 8
    target_modules: "q_proj"

Use instead
    target_modules: [q_proj]            # or the regex ".*\\.q_proj"
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.matching import regex_error
from lora_lint.rules.context import RuleContext, looks_like_regex

CODE = "LL005"
NAME = "bad-regex"
SEVERITY = Severity.ERROR
SUMMARY = "a string target is an invalid regex or full-matches nothing, or a list entry is written as a regex"


def _example(ctx: RuleContext, value: str) -> str:
    assert ctx.inventory is not None
    rows = [r for r in ctx.inventory.modules if r.wrappable]
    row = next((r for r in rows if r.name.endswith("." + value)), rows[0] if rows else None)
    return f" such as `{row.name}`" if row else ""


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    if not ctx.spec.peft_applies:
        return
    for field in ("target_modules", "exclude_modules"):
        found = ctx.spec.fields.get(field)
        if found is None:
            continue
        value = found.value
        if isinstance(value, str):
            if field == "target_modules" and value.lower() == "all-linear":
                continue
            error = regex_error(value)
            if error:
                yield ctx.report(
                    CODE,
                    found.span(ctx.doc),
                    f"{field} `{value}` is not a valid regex: {error}",
                    "PEFT compiles a string value as a regular expression; use a list of names "
                    "for literal matching",
                )
                continue
            if ctx.inventory is not None and not ctx.regex_hits(value):
                if field == "target_modules" and any(n.path == found.path for n in ctx.spec.notes):
                    continue  # the framework turned a list into this string; LL011 says what to write
                leaf = value if not looks_like_regex(value) else None
                suggestion = (
                    f"write a list `[{leaf}]`, or the regex `.*\\.{leaf}`"
                    if leaf
                    else "anchor it on the full name, e.g. start it with `.*\\.`"
                )
                yield ctx.report(
                    CODE,
                    found.span(ctx.doc),
                    f"{field} `{value}` is a regex that PEFT full-matches against full module "
                    f"names{_example(ctx, value)}; it matches nothing",
                    suggestion,
                    severity=Severity.ERROR if field == "target_modules" else Severity.WARNING,
                )
        elif ctx.inventory is not None:
            for entry in ctx.entries(field):
                if looks_like_regex(entry.value) and not ctx.list_hits(entry.value):
                    yield ctx.report(
                        CODE,
                        entry.span,
                        f"list entry `{entry.value}` looks like a regex, but PEFT matches list "
                        "entries literally (exact name or dotted suffix)",
                        "use plain names in the list, or make the whole field one regex string",
                    )
