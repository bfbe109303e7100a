"""Inline suppressions in YAML comments, and the one post-processing step applied to a run.

Directives (JSON has no comments; use ``per-file-ignores`` there)::

    target_modules: [c_attn, c_proj]   # lora-lint: disable=LL002        this line
    # lora-lint: disable=LL002,LL004                                      the next content line
    target_modules: [c_attn, c_proj]
    # lora-lint: disable-file                                             the whole file
    # lora-lint: disable-file=LL009                                       these codes, whole file

A bare ``disable`` (no codes) silences every code on its line. A diagnostic is matched on the line
where it starts. Codes a directive names but that silenced nothing are reported as LL100.

``apply_policy`` runs after all rules: selection and per-file ignores, severity overrides,
inline suppressions, then LL100.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lora_lint.config import Policy
from lora_lint.diagnostics import Diagnostic, Span, sort_unique
from lora_lint.rules import ll100_unused_suppression as ll100

# `#` starts a YAML comment at the start of a line or after whitespace.
COMMENT = re.compile(r"(?:^|(?<=\s))#\s*lora-lint\s*:(?P<rest>.*)$")
# What follows `lora-lint:`, e.g. ` disable=LL002, LL004` or ` disable-file`.
DIRECTIVE = re.compile(r"^\s*(?P<kind>disable-file|disable)\s*(?:=\s*(?P<codes>[^#]*?))?\s*$")
CODE = re.compile(r"^LL\d{3}$")
YAML_SUFFIXES = (".yaml", ".yml", ".py")  # files whose comments start with `#`
MAX_SCAN_BYTES = 5 * 1024 * 1024


@dataclass
class Directive:
    line: int
    span: Span
    whole_file: bool
    codes: tuple[str, ...] | None  # None: every code
    targets: frozenset[int]
    used: set[str] = field(default_factory=set)

    def covers(self, diag: Diagnostic) -> bool:
        if not self.whole_file and diag.span.line not in self.targets:
            return False
        return self.codes is None or diag.code in self.codes


@dataclass
class Scan:
    directives: list[Directive] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def _next_content_line(lines: list[str], index: int) -> int | None:
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if stripped and not stripped.startswith("#"):
            return later + 1
    return None


def _in_string(path: str, text: str) -> Callable[[int, int], bool]:
    """Whether a 1-based (line, column) lies inside a string rather than a comment.

    YAML: inside a scalar token; Python: not a comment token. When the file does not tokenize,
    every ``#`` counts as a comment.
    """
    lines = text.splitlines(keepends=True)
    if path.endswith(".py"):
        comments: set[tuple[int, int]] = set()
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.COMMENT:
                    comments.add((token.start[0], token.start[1] + 1))
        except (tokenize.TokenError, SyntaxError):
            return lambda line, column: False
        return lambda line, column: (line, column) not in comments
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    try:
        ranges = [
            (t.start_mark.index, t.end_mark.index)
            for t in yaml.scan(text, Loader=yaml.SafeLoader)
            if isinstance(t, yaml.ScalarToken)
        ]
    except yaml.YAMLError:
        return lambda line, column: False
    return lambda line, column: any(a <= offsets[line - 1] + column - 1 < b for a, b in ranges)


def scan(path: str, text: str) -> Scan:
    """Every directive in ``text``; malformed ones and unknown codes become LL100 diagnostics."""
    from lora_lint.rules import RULES

    found = Scan()
    lines = text.splitlines()
    in_string: Callable[[int, int], bool] | None = None
    for index, line in enumerate(lines):
        if "lora-lint" not in line:
            continue
        match = COMMENT.search(line)
        if match is None:
            continue
        if in_string is None:
            in_string = _in_string(path, text)
        if in_string(index + 1, match.start() + 1):
            continue
        number = index + 1
        span = Span(number, match.start() + 1, number, len(line) + 1)
        directive = DIRECTIVE.match(match.group("rest"))
        if directive is None:
            found.problems.append(
                ll100.diagnostic(
                    path,
                    span,
                    f"unrecognised directive `{match.group(0).strip()}`",
                    "write `# lora-lint: disable=LL002` or `# lora-lint: disable-file`",
                )
            )
            continue
        codes: tuple[str, ...] | None = None
        if directive.group("codes") is not None:
            named = [c.strip().upper() for c in directive.group("codes").split(",") if c.strip()]
            known = tuple(c for c in named if c in RULES)
            for bad in (c for c in named if c not in RULES):
                what = "unknown rule code" if CODE.match(bad) else "not a rule code"
                found.problems.append(
                    ll100.diagnostic(
                        path, span, f"{what} `{bad}` in suppression", "`lora-lint rules` lists them"
                    )
                )
            if not known:
                continue
            codes = known
        whole_file = directive.group("kind") == "disable-file"
        standalone = not line[: match.start()].strip()
        if whole_file and not standalone:
            found.problems.append(
                ll100.diagnostic(
                    path, span, "`disable-file` must be on a line of its own", "move it to its own line"
                )
            )
            continue
        targets = {number}
        if standalone and not whole_file:
            following = _next_content_line(lines, index)
            if following is not None:
                targets.add(following)
        found.directives.append(Directive(number, span, whole_file, codes, frozenset(targets)))
    return found


def _read(path: str) -> str | None:
    if not path.endswith(YAML_SUFFIXES):
        return None
    try:
        source = Path(path)
        if not source.is_file() or source.stat().st_size > MAX_SCAN_BYTES:  # never open a FIFO
            return None
        return source.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def apply_policy(diagnostics: list[Diagnostic], paths: list[str], policy: Policy) -> list[Diagnostic]:
    """Selection, severities and inline suppressions over one run's diagnostics, plus LL100."""
    kept = [
        d.with_severity(policy.severity_for(d.code, d.severity)) if policy.severity else d
        for d in diagnostics
        if policy.enabled(d.code, d.path)
    ]
    by_path: dict[str, list[Diagnostic]] = {}
    for diag in kept:
        by_path.setdefault(diag.path, []).append(diag)
    listed_paths = set(paths)
    out: list[Diagnostic] = [d for d in kept if d.path not in listed_paths]
    for path in dict.fromkeys(paths):
        mine = by_path.get(path, [])
        text = _read(path)
        if text is None or "lora-lint" not in text:
            out.extend(mine)
            continue
        found = scan(path, text)
        for diag in mine:
            covering = [d for d in found.directives if d.covers(diag)]
            for directive in covering:
                directive.used.add(diag.code)
            if not covering:
                out.append(diag)
        extra = list(found.problems)
        silenced_all = any(d.whole_file and d.codes is None for d in found.directives)
        for directive in found.directives:
            if directive.whole_file and directive.codes is None:
                continue
            if directive.codes is None:
                if not directive.used:
                    extra.append(
                        ll100.diagnostic(
                            path, directive.span, "suppression silences nothing", "remove the comment"
                        )
                    )
                continue
            unused = [c for c in directive.codes if c not in directive.used and policy.enabled(c, path)]
            if unused:
                listed = ", ".join(f"`{c}`" for c in unused)
                extra.append(
                    ll100.diagnostic(
                        path,
                        directive.span,
                        f"suppression of {listed} silences nothing",
                        "remove the code from the comment",
                    )
                )
        if not silenced_all:
            out.extend(
                d.with_severity(policy.severity_for(d.code, d.severity)) if policy.severity else d
                for d in extra
                if policy.enabled(d.code, path)
            )
    return sort_unique(out)


__all__ = ["COMMENT", "DIRECTIVE", "Directive", "Scan", "apply_policy", "scan"]
