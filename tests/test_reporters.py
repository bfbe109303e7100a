"""Every output format on one fixed set of diagnostics, against golden files; SARIF against the
fields GitHub code scanning reads; GitHub workflow-command escaping; --statistics.

Rewrite the goldens after a deliberate change with ``UPDATE_GOLDENS=1 pytest tests/test_reporters.py``.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from lora_lint.cli import main
from lora_lint.diagnostics import Diagnostic, Severity, Span
from lora_lint.lint import FileResult, LintResult
from lora_lint.report import REPORTERS, github, sarif, statistics
from lora_lint.rules import RULES

GOLDENS = Path(__file__).parent / "goldens" / "reporters"


def fixed_result() -> LintResult:
    """Diagnostics chosen to exercise escaping, multi-line spans, every severity and odd paths."""
    a, b, c = "configs/a.yaml", "configs/odd name, v1:2.yaml", "adapter_config.json"
    diagnostics = [
        Diagnostic(
            a,
            Span(3, 26, 3, 32),
            "LL001",
            "unknown-target",
            Severity.ERROR,
            "`q_proj` matches no module of `gpt2`",
            "closest names: `c_proj`, `c_attn`",
        ),
        Diagnostic(
            a,
            Span(3, 34, 3, 40),
            "LL002",
            "ambiguous-target",
            Severity.WARNING,
            "`c_proj` matches 24 modules in 2 roles: 100% of `attn`, `mlp`",
        ),
        Diagnostic(
            b,
            Span(2, 3, 5, 4),
            "LL002",
            "ambiguous-target",
            Severity.WARNING,
            "multi-line span\r\nsecond line",
            "use `attn.c_proj`",
        ),
        Diagnostic(
            c, Span(1, 1, 1, 1), "LL009", "model-unresolved", Severity.INFO, "base model `x` not resolved"
        ),
    ]
    return LintResult(files=[FileResult(a), FileResult(b), FileResult(c)], diagnostics=diagnostics)


def normalise(fmt: str, text: str) -> str:
    """Drop what depends on the installed versions or on other rules' documentation."""
    if fmt == "json":
        data = json.loads(text)
        data["tools"] = {name: "<version>" for name in data["tools"]}
        return json.dumps(data, indent=2) + "\n"
    if fmt == "sarif":
        data = json.loads(text)
        driver = data["runs"][0]["tool"]["driver"]
        driver["version"] = driver["semanticVersion"] = "<version>"
        # Rule metadata follows the registry and the docstrings (checked below, not frozen here).
        driver["rules"] = "<one descriptor per rule>"
        for result in data["runs"][0]["results"]:
            result["ruleIndex"] = "<index>"
        return json.dumps(data, indent=2) + "\n"
    return text


GOLDEN_NAMES = {"text": "text.txt", "json": "json.json", "github": "github.txt", "sarif": "sarif.json"}


@pytest.mark.parametrize("fmt", sorted(GOLDEN_NAMES))
def test_golden(fmt: str) -> None:
    rendered = normalise(fmt, REPORTERS[fmt](fixed_result()))
    golden = GOLDENS / GOLDEN_NAMES[fmt]
    if os.environ.get("UPDATE_GOLDENS"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(rendered.encode())
    assert golden.is_file(), f"missing golden {golden.name}; run with UPDATE_GOLDENS=1"
    assert rendered == golden.read_bytes().decode()


def test_every_reporter_has_a_golden() -> None:
    assert set(REPORTERS) <= set(GOLDEN_NAMES), "add the new format to GOLDEN_NAMES and its golden file"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_statistics_golden(fmt: str) -> None:
    rendered = statistics.render(fixed_result(), fmt)
    golden = GOLDENS / f"statistics.{'json' if fmt == 'json' else 'txt'}"
    if os.environ.get("UPDATE_GOLDENS"):
        golden.write_bytes(rendered.encode())
    assert rendered == golden.read_bytes().decode()


# --- GitHub workflow commands --------------------------------------------------------------------


def test_github_escaping() -> None:
    assert github.escape_data("100%\r\nx: a, b") == "100%25%0D%0Ax: a, b"
    assert github.escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    lines = github.render(fixed_result()).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("::error file=configs/a.yaml,line=3,col=26,endLine=3,endColumn=32,")
    assert lines[0].endswith(
        "::`q_proj` matches no module of `gpt2`%0Ahelp: closest names: `c_proj`, `c_attn`"
    )
    multi = lines[2]
    assert multi.startswith("::warning file=configs/odd name%2C v1%3A2.yaml,line=2,endLine=5,title=")
    assert "col=" not in multi and "endColumn=" not in multi
    assert lines[3].startswith("::notice ")
    for line in lines:  # the message part holds no raw newline and no unescaped %
        message = line.split("::", 2)[2]
        assert "\n" not in message and "\r" not in message
        assert all(message[i + 1 : i + 3] in {"25", "0D", "0A"} for i, ch in enumerate(message) if ch == "%")


def test_github_is_chosen_automatically_in_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("target_modules: [q_proj\n")
    out = io.StringIO()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["a.yaml"], out=out) == 1
    assert out.getvalue().startswith("::error file=a.yaml,line=2,")
    out = io.StringIO()
    main(["a.yaml", "--format", "text"], out=out)
    assert out.getvalue().startswith("a.yaml:2:")
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    out = io.StringIO()
    main(["a.yaml"], out=out)
    assert out.getvalue().startswith("a.yaml:2:")


# --- SARIF ---------------------------------------------------------------------------------------

_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}

# The parts of SARIF 2.1.0 that GitHub code scanning reads ("SARIF support for code scanning"),
# with the constraints it enforces; unknown properties are rejected where a typo would be silent.
GITHUB_SARIF_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "version": {"type": "string"},
                                    "semanticVersion": {"type": "string"},
                                    "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
                                },
                            }
                        },
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                },
            },
        },
    },
    "$defs": {
        "rule": {
            "type": "object",
            "required": ["id", "shortDescription", "fullDescription", "help", "defaultConfiguration"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^LL[0-9]{3}$"},
                "name": {"type": "string", "pattern": "^[a-z][a-z-]*$"},
                "shortDescription": _TEXT,
                "fullDescription": _TEXT,
                "help": {
                    "type": "object",
                    "required": ["text", "markdown"],
                    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}},
                },
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {
                    "type": "object",
                    "required": ["level"],
                    "properties": {"level": _LEVEL},
                },
                "properties": {
                    "type": "object",
                    "properties": {
                        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
                        "precision": {"enum": ["very-high", "high", "medium", "low"]},
                        "security-severity": {"type": "string"},
                    },
                },
            },
        },
        "result": {
            "type": "object",
            "required": ["ruleId", "message", "locations", "level"],
            "additionalProperties": False,
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": 0},
                "level": _LEVEL,
                "message": _TEXT,
                "locations": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 10,
                    "items": {
                        "type": "object",
                        "required": ["physicalLocation"],
                        "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {
                                        "type": "object",
                                        "required": ["uri"],
                                        "properties": {
                                            "uri": {"type": "string", "pattern": "^[^ \\\\]+$"},
                                            "uriBaseId": {"type": "string"},
                                        },
                                    },
                                    "region": {
                                        "type": "object",
                                        "required": ["startLine"],
                                        "additionalProperties": False,
                                        "properties": {
                                            "startLine": {"type": "integer", "minimum": 1},
                                            "startColumn": {"type": "integer", "minimum": 1},
                                            "endLine": {"type": "integer", "minimum": 1},
                                            "endColumn": {"type": "integer", "minimum": 1},
                                        },
                                    },
                                },
                            }
                        },
                    },
                },
                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    },
}


def check_sarif(data: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(GITHUB_SARIF_SCHEMA).validate(data)
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["endLine"] >= region["startLine"]
        if region["endLine"] == region["startLine"]:
            assert region["endColumn"] > region["startColumn"]


def test_sarif_matches_what_github_reads() -> None:
    data = json.loads(sarif.render(fixed_result()))
    check_sarif(data)
    run = data["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(RULES)
    assert [r["level"] for r in run["results"]] == ["error", "warning", "warning", "note"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris[2] == "configs/odd%20name%2C%20v1%3A2.yaml"


def test_sarif_rule_help_is_the_rule_documentation() -> None:
    from lora_lint.commands.rules_cmd import documentation

    rules = json.loads(sarif.render(LintResult()))["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["help"]["text"] == documentation(rule["id"])
        assert "```yaml" in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == sarif.LEVELS[RULES[rule["id"]].SEVERITY]


def test_sarif_absolute_path_is_a_file_uri(tmp_path: Path) -> None:
    assert sarif.artifact_uri(str(tmp_path / "a b.yaml"))["uri"].startswith("file:///")


def test_sarif_from_a_real_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(
        "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, c_proj]\n"
    )
    out = io.StringIO()
    assert main(["a.yaml", "--offline", "--format", "sarif"], out=out) == 0
    data = json.loads(out.getvalue())
    check_sarif(data)
    assert [r["ruleId"] for r in data["runs"][0]["results"]] == ["LL002"]


def test_statistics_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("target_modules: [q_proj\n")
    (tmp_path / "b.yaml").write_text("r: [\n")
    out = io.StringIO()
    assert main([".", "--statistics"], out=out) == 1
    assert out.getvalue() == "2  LL000  parse-error  error\n2  total\n"
    out = io.StringIO()
    main([".", "--statistics", "--format", "json"], out=out)
    assert json.loads(out.getvalue()) == [
        {"code": "LL000", "name": "parse-error", "severity": "error", "count": 2}
    ]
