"""Every rule has failing and passing fixtures: tests/fixtures/rules/<CODE>/{fail,pass}/.

A failing fixture has a golden ``<name>.out`` next to it with the exact text-format diagnostic
lines; run ``UPDATE_GOLDENS=1 pytest tests/test_rules.py`` to rewrite them after a deliberate change.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from lora_lint.cli import main
from lora_lint.rules import RULES

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
SUFFIXES = (".yaml", ".yml", ".json")


def _fixtures(kind: str) -> list[Path]:
    return sorted(p for p in FIXTURES.glob(f"*/{kind}/*") if p.suffix in SUFFIXES and p.is_file())


def _diagnostic_lines(path: Path) -> tuple[int, list[str]]:
    """Exit code and the diagnostic lines (with their help lines) for one fixture, linted from its folder."""
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        exit_code = main([path.name, "--offline"], out=out)
    finally:
        os.chdir(cwd)
    pattern = re.compile(rf"^{re.escape(path.name)}:\d+:\d+: LL\d{{3}} ")
    keep: list[str] = []
    for line in out.getvalue().splitlines():
        if pattern.match(line) or (keep and line.startswith("    help:")):
            keep.append(line)
    return exit_code, keep


@pytest.mark.parametrize("path", _fixtures("fail"), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_failing_fixture_reports_its_rule(path: Path) -> None:
    code = path.parts[-3]
    exit_code, lines = _diagnostic_lines(path)
    assert any(f" {code} " in line for line in lines), lines
    golden = path.with_suffix(".out")
    text = "\n".join(lines) + "\n"
    if os.environ.get("UPDATE_GOLDENS"):
        golden.write_text(text)
    assert golden.is_file(), f"missing golden {golden.name}; run with UPDATE_GOLDENS=1"
    assert text == golden.read_text()
    severity = RULES[code].SEVERITY.label
    if severity == "error" and code != "LL000":
        assert exit_code == 1


@pytest.mark.parametrize("path", _fixtures("pass"), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_passing_fixture_is_clean_for_its_rule(path: Path) -> None:
    code = path.parts[-3]
    _, lines = _diagnostic_lines(path)
    assert not any(f" {code} " in line for line in lines), lines


def test_every_rule_has_both_fixtures() -> None:
    for code in RULES:
        if code == "LL100":
            continue  # suppressions are covered with their own fixtures
        assert list((FIXTURES / code / "fail").glob("*")), f"{code} has no failing fixture"
        assert list((FIXTURES / code / "pass").glob("*")), f"{code} has no passing fixture"


def test_registry_metadata() -> None:
    names = set()
    for code, rule in RULES.items():
        assert code == rule.CODE and code.startswith("LL") and len(code) == 5 and code[2:].isdigit()
        assert rule.NAME not in names and rule.NAME.lower() == rule.NAME and " " not in rule.NAME
        names.add(rule.NAME)
        doc = rule.__doc__ or ""
        for section in ("What it does", "Why is this bad", "Example", "Use instead"):
            assert section in doc, f"{code} docstring lacks {section!r}"
