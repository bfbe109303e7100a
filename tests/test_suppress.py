"""Inline suppressions in YAML comments and LL100 unused-suppression."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lora_lint.cli import main
from lora_lint.config import Policy, make_layer
from lora_lint.diagnostics import Diagnostic, Severity, Span
from lora_lint.suppress import apply_policy, scan


def diag(path: str, line: int, code: str = "LL002", severity: Severity = Severity.WARNING) -> Diagnostic:
    return Diagnostic(path, Span(line, 5, line, 9), code, "x", severity, f"{code} at {line}")


def run_json(*argv: str) -> tuple[int, list[tuple[int, str, str]]]:
    out = io.StringIO()
    code = main([*argv, "--offline", "--format", "json"], out=out, err=io.StringIO())
    found = json.loads(out.getvalue())["diagnostics"]
    return code, [(d["line"], d["code"], d["message"]) for d in found]


@pytest.fixture
def yaml_file(tmp_path: Path) -> Path:
    return tmp_path / "c.yaml"


def test_scan_forms(yaml_file: Path) -> None:
    text = (
        "a: 1  # lora-lint: disable=LL002\n"
        "# lora-lint: disable=LL001, LL004\n"
        "\n"
        "# another comment\n"
        "b: 2\n"
        "c: 3 # lora-lint: disable\n"
        "# lora-lint: disable-file=LL009\n"
        "d: 'x # lora-lint: disable=LL002'\n"  # inside a quoted string there is no `#` comment start
    )
    found = scan(str(yaml_file), text)
    assert [(d.line, d.whole_file, d.codes, sorted(d.targets)) for d in found.directives] == [
        (1, False, ("LL002",), [1]),
        (2, False, ("LL001", "LL004"), [2, 5]),
        (6, False, None, [6]),
        (7, True, ("LL009",), [7]),
    ]
    assert found.problems == []


def test_scan_reports_malformed_and_unknown(yaml_file: Path) -> None:
    text = "a: 1 # lora-lint: disabel=LL002\nb: 2 # lora-lint: disable=LL999,foo\nc: 3 # lora-lint: disable-file\n"
    found = scan(str(yaml_file), text)
    messages = [d.message for d in found.problems]
    assert messages[0].startswith("unrecognised directive")
    assert "unknown rule code `LL999`" in messages[1] and "not a rule code `FOO`" in messages[2]
    assert "line of its own" in messages[3]
    assert all(
        d.code == "LL100" and d.span.line == i for d, i in zip(found.problems, (1, 2, 2, 3), strict=True)
    )


def test_same_line_and_line_above(yaml_file: Path) -> None:
    yaml_file.write_text("x: 1  # lora-lint: disable=LL002\n# lora-lint: disable=LL001\ny: 2\nz: 3\n")
    path = str(yaml_file)
    diags = [diag(path, 1), diag(path, 3, "LL001"), diag(path, 4, "LL001"), diag(path, 1, "LL001")]
    kept = apply_policy(diags, [path], Policy())
    assert [(d.span.line, d.code) for d in kept] == [(1, "LL001"), (4, "LL001")]


def test_unused_codes_become_ll100_unless_disabled_for_the_file(yaml_file: Path) -> None:
    yaml_file.write_text("x: 1  # lora-lint: disable=LL002,LL004\ny: 2  # lora-lint: disable\n")
    path = str(yaml_file)
    kept = apply_policy([diag(path, 1)], [path], Policy())
    assert [(d.span.line, d.code, d.severity) for d in kept] == [
        (1, "LL100", Severity.WARNING),
        (2, "LL100", Severity.WARNING),
    ]
    assert "`LL004`" in kept[0].message and "`LL002`" not in kept[0].message
    assert kept[0].span.column == 7  # points at the comment
    ignore_ll004 = Policy(layers=(make_layer(["LL"], [], ["LL004"]),))
    assert [d.span.line for d in apply_policy([diag(path, 1)], [path], ignore_ll004)] == [2]
    no_ll100 = Policy(layers=(make_layer(["LL"], [], ["LL100"]),))
    assert apply_policy([diag(path, 1)], [path], no_ll100) == []


def test_disable_file(yaml_file: Path) -> None:
    path = str(yaml_file)
    yaml_file.write_text("# lora-lint: disable-file=LL002\nx: 1\n")
    kept = apply_policy([diag(path, 2), diag(path, 2, "LL001", Severity.ERROR)], [path], Policy())
    assert [d.code for d in kept] == ["LL001"]
    yaml_file.write_text("x: 1\n# lora-lint: disable-file\n")
    assert apply_policy([diag(path, 1), diag(path, 1, "LL001")], [path], Policy()) == []
    assert apply_policy([], [path], Policy()) == []  # a bare disable-file is never "unused"


def test_json_files_have_no_comments(tmp_path: Path) -> None:
    path = tmp_path / "adapter_config.json"
    path.write_text('{"note": "x # lora-lint: disable=LL002"}\n')
    kept = apply_policy([diag(str(path), 1)], [str(path)], Policy())
    assert [d.code for d in kept] == ["LL002"]


def test_end_to_end_suppresses_the_real_diagnostic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "a.yaml"
    config.write_text("base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, c_proj, q_proj]\n")
    code, found = run_json("a.yaml")
    assert code == 1 and sorted(c for _, c, _ in found) == ["LL001", "LL002"]
    config.write_text(
        "base_model_name_or_path: gpt2\nr: 8\n"
        "# lora-lint: disable=LL002\n"
        "target_modules: [c_attn, c_proj, q_proj]  # lora-lint: disable=LL001\n"
    )
    assert run_json("a.yaml") == (0, [])
    # Fixing the target leaves a stale suppression: LL100 (a warning, so it fails only --strict).
    config.write_text(
        "base_model_name_or_path: gpt2\nr: 8\n"
        "# lora-lint: disable=LL002\n"
        "target_modules: [c_attn, attn.c_proj]  # lora-lint: disable=LL001\n"
    )
    code, found = run_json("a.yaml")
    assert code == 0
    assert [(line, c) for line, c, _ in found] == [(3, "LL100"), (4, "LL100")]
    assert run_json("a.yaml", "--strict")[0] == 1


def test_python_files_use_real_comments(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(
        'note = "# lora-lint: disable=LL002"\n'
        "config = LoraConfig(target_modules=['c_attn', 'c_proj'])  # lora-lint: disable=LL002\n"
    )
    found = scan(str(path), path.read_text())
    assert [(d.line, d.codes) for d in found.directives] == [(2, ("LL002",))]
    assert apply_policy([diag(str(path), 2), diag(str(path), 1)], [str(path)], Policy()) == [
        diag(str(path), 1)
    ]
