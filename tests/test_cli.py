"""The command line: exit codes, --version, usage errors without tracebacks, the JSON contract."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lora_lint.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_version_names_the_stack() -> None:
    code, out, _ = run("--version")
    assert code == 0
    for name in ("lora-lint", "torch", "transformers", "peft"):
        assert name in out


def test_usage_error_is_exit_2_without_traceback() -> None:
    code, _, err = run("--no-such-flag")
    assert code == 2 and "Traceback" not in err and "no-such-flag" in err


def test_clean_config_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn]\n")
    code, out, _ = run(str(path), "--offline")
    assert code == 0
    assert (
        "12 modules wrapped; trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364"
        in out
    )


def test_warning_fails_only_with_strict(tmp_path: Path) -> None:
    path = tmp_path / "warn.yaml"
    path.write_text("base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, c_proj]\n")
    assert run(str(path), "--offline")[0] == 0
    assert run(str(path), "--offline", "--strict")[0] == 1
    assert run(str(path), "--offline", "--strict", "--exit-zero")[0] == 0


def test_unresolved_model_is_info_unless_strict(tmp_path: Path) -> None:
    path = tmp_path / "private.yaml"
    path.write_text("base_model_name_or_path: my-org/private\nr: 8\ntarget_modules: [q_proj]\n")
    code, out, _ = run(str(path), "--offline")
    assert code == 0 and "LL009" in out
    assert run(str(path), "--offline", "--strict")[0] == 1


def test_model_flag_overrides_the_config(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text("base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [q_proj, v_proj]\n")
    code, out, _ = run(str(path), "--offline", "--model", "meta-llama/Llama-3.2-1B")
    assert code == 0 and "meta-llama/Llama-3.2-1B" in out


def test_json_contract(tmp_path: Path) -> None:
    code, out, _ = run(str(EXAMPLES / "gpt2_seed_guide.yaml"), "--offline", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["version"] == 1
    assert set(report["tools"]) >= {"lora_lint", "torch", "transformers", "peft"}
    (file_entry,) = report["files"]
    (config,) = file_entry["configs"]
    assert set(config) >= {
        "pointer",
        "framework",
        "base_model",
        "model_source",
        "auto_class",
        "modules",
        "trainable_params",
        "total_params",
    }
    assert config["pointer"] == "/lora" and config["framework"] == "peft" and config["base_model"] == "gpt2"
    assert config["model_source"] == "catalogue" and config["auto_class"] == "AutoModelForCausalLM"
    assert config["modules"] == sorted(config["modules"]) and len(config["modules"]) == 36
    (diag,) = report["diagnostics"]
    assert set(diag) >= {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
        "help",
    }
    assert (diag["code"], diag["name"], diag["severity"]) == ("LL002", "ambiguous-target", "warning")
    assert (diag["line"], diag["column"], diag["end_column"]) == (9, 28, 34)
    assert "442,368" in diag["help"]


def test_unresolved_model_has_null_counts(tmp_path: Path) -> None:
    path = tmp_path / "private.yaml"
    path.write_text("base_model_name_or_path: my-org/private\nr: 8\ntarget_modules: [q_proj]\n")
    _, out, _ = run(str(path), "--offline", "--format", "json")
    config = json.loads(out)["files"][0]["configs"][0]
    assert config["model_source"] == "unresolved"
    assert config["modules"] is None and config["trainable_params"] is None and config["total_params"] is None


def test_issue_examples(tmp_path: Path) -> None:
    """The core issue's "done means": BERT dense, q_proj/v_proj on GPT-2, one typo."""
    _, out, _ = run(str(EXAMPLES / "bert_dense.yaml"), "--offline")
    assert "LL002 `dense` matches 37 modules in 4 roles" in out
    code, out, _ = run(str(EXAMPLES / "gpt2_llama_names.yaml"), "--offline")
    assert code == 1 and out.count("LL001") == 2 and "`c_attn`" in out
    code, out, _ = run(str(EXAMPLES / "gpt2_one_typo.yaml"), "--offline")
    assert code == 1 and out.count(" LL001 ") == 1 and "`q_proj` matches no module" in out


def test_folder_walk_skips_venvs_and_git(tmp_path: Path) -> None:
    for skipped in (".git", "node_modules", "venv"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "bad.yaml").write_text("r: 8\nlora_alpha: 8\ntarget_modules: [x\n")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    code, out, _ = run(str(tmp_path), "--offline")
    assert code == 0 and "LL000" not in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_examples_folder(fmt: str) -> None:
    code, out, _ = run(str(EXAMPLES), "--offline", "--format", fmt)
    assert code == 1
    assert "LL001" in out and "LL002" in out and "LL005" in out


def test_a_crashing_rule_is_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lora_lint.rules import ll007_unused_pattern

    def broken(ctx: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(ll007_unused_pattern, "check", broken)
    path = tmp_path / "cfg.yaml"
    path.write_text("base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, q_proj]\n")
    code, out, _ = run(str(path), "--offline")
    assert code == 1
    assert "LL007 internal error in this rule: RuntimeError: boom" in out and "LL001" in out
    code, _, err = run(str(path), "--offline", "--debug")
    assert code == 2 and "Traceback" in err
