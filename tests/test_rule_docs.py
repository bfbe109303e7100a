"""Rule documentation: ``lora-lint rules`` / ``lora-lint rule CODE``, and every rule's documented bad
example (the ``Example`` section of its module docstring) really reports that rule, offline.

An example is a fragment of a PEFT adapter config: when it does not say ``peft_type`` itself, the
test appends ``peft_type: LORA`` (as every adapter_config.json has) so that it is read as one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_lint.cli import main
from lora_lint.commands.rules_cmd import sections
from lora_lint.rules import RULES


def _remote_code_model(folder: Path) -> None:
    """LL010's example names ./models/custom-arch, a config.json whose architecture is code."""
    model = folder / "models" / "custom-arch"
    model.mkdir(parents=True)
    (model / "config.json").write_text(
        json.dumps(
            {
                "model_type": "custom-arch",
                "architectures": ["CustomForCausalLM"],
                "auto_map": {
                    "AutoConfig": "configuration_custom.CustomConfig",
                    "AutoModelForCausalLM": "modeling_custom.CustomForCausalLM",
                },
            }
        )
    )


def _incomplete_model(folder: Path) -> None:
    """LL014's example names ./my-ministral, a config.json with ``head_dim: null``."""
    model = folder / "my-ministral"
    model.mkdir()
    (model / "config.json").write_text(
        json.dumps(
            {
                "model_type": "ministral",
                "hidden_size": 64,
                "intermediate_size": 128,
                "num_hidden_layers": 2,
                "num_attention_heads": 4,
                "num_key_value_heads": 2,
                "head_dim": None,
                "vocab_size": 256,
            }
        )
    )


SETUP: dict[str, Callable[[Path], None]] = {"LL010": _remote_code_model, "LL014": _incomplete_model}
KNOWN_DRIFT: dict[str, str] = {}


def _params() -> list[object]:
    out: list[object] = []
    for code in RULES:
        marks = [pytest.mark.xfail(reason=KNOWN_DRIFT[code], strict=True)] if code in KNOWN_DRIFT else []
        out.append(pytest.param(code, marks=marks, id=code))
    return out


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("code", _params())
def test_documented_example_reports_its_rule(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = sections(code).get("Example", "")
    assert example.strip(), f"{code} has no Example section"
    text = example + "\n"
    if "peft_type" not in example:
        text += "peft_type: LORA\n"
    monkeypatch.chdir(tmp_path)
    if code in SETUP:
        SETUP[code](tmp_path)
    (tmp_path / "example.yaml").write_text(text)
    _, out, err = run("example.yaml", "--offline", "--isolated", "--format", "json")
    assert err == ""
    found = [d["code"] for d in json.loads(out)["diagnostics"]]
    assert code in found, f"{code}'s documented example reports {found} instead:\n{text}"


def test_every_rule_documents_all_sections() -> None:
    for code in RULES:
        found = sections(code)
        assert found["title"].startswith(f"{code} {RULES[code].NAME}:"), code
        for name in ("What it does", "Why is this bad", "Example", "Use instead"):
            assert found.get(name, "").strip(), f"{code} lacks {name!r}"


def test_rules_lists_every_rule() -> None:
    code, out, _ = run("rules")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.split()[:3] == [rule.CODE, rule.NAME, rule.SEVERITY.label]
        assert line.endswith(rule.SUMMARY)
    listed = json.loads(run("rules", "--format", "json")[1])
    assert [r["code"] for r in listed] == list(RULES)


@pytest.mark.parametrize("key", ["LL002", "ll002", "ambiguous-target"])
def test_rule_prints_its_documentation(key: str) -> None:
    code, out, _ = run("rule", key)
    assert code == 0
    assert out.startswith("LL002 ambiguous-target (default severity: warning)\n")
    assert "Why is this bad" in out and "target_modules: [c_attn, c_proj]" in out
    data = json.loads(run("rule", key, "--format", "json")[1])
    assert data["sections"]["Example"] == sections("LL002")["Example"]


def test_unknown_rule_is_a_usage_error() -> None:
    code, out, err = run("rule", "LL999")
    assert code == 2 and out == "" and "unknown rule" in err and "Traceback" not in err
