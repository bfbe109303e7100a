"""Project configuration: discovery, validation (exit 2, one line), selection by prefix, overrides."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from lora_lint.cli import main
from lora_lint.config import (
    ConfigError,
    Policy,
    find_config,
    glob_matches,
    load_project,
    make_layer,
    make_policy,
    read_config,
)
from lora_lint.diagnostics import Severity

AMBIGUOUS = "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, c_proj]\n"
BROKEN = "target_modules: [q_proj, v_proj\n"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def codes(out: str) -> list[str]:
    return [d["code"] for d in json.loads(out)["diagnostics"]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- discovery ---------------------------------------------------------------------------------


def test_nearest_file_wins_and_pyproject_needs_the_table(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.lora-lint]\nignore = ["LL002"]\n')
    sub = project / "a" / "b"
    sub.mkdir(parents=True)
    (project / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no table: skipped
    assert find_config(sub) == (project / "pyproject.toml").resolve()
    (project / "a" / ".lora-lint.toml").write_text('select = ["LL001"]\n')
    assert find_config(sub) == (project / "a" / ".lora-lint.toml").resolve()
    (sub / "pyproject.toml").write_text("[tool.lora-lint]\nstrict = true\n")
    found = load_project(None, sub)
    assert found is not None and found.strict is True and found.path.parent == sub.resolve()


def test_dedicated_file_beats_pyproject_in_the_same_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.lora-lint]\nstrict = true\n")
    (project / ".lora-lint.toml").write_text("strict = false\n")
    found = load_project(None, project)
    assert found is not None and found.path.name == ".lora-lint.toml" and found.strict is False


def test_no_config_anywhere(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None and load_project(None, tmp_path) is None


# --- validation: exit 2 and one line naming the key and the file --------------------------------


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('selct = ["LL001"]', "unknown key `selct`"),
        ('select = "LL001"', "`select` must be a list"),
        ('ignore = ["E501"]', "`ignore` entry 'E501'"),
        ('ignore = ["LL9"]', "`LL9` matches no rule"),
        ("strict = 1", "`strict` must be true or false"),
        ('severity = { LL002 = "fatal" }', "`severity.LL002`"),
        ('per-file-ignores = { "x/*" = "LL002" }', "`per-file-ignores.x/*` must be a list"),
        ("models = { gpt2 = 3 }", "`models.gpt2`"),
        ('auto-class = "import os"', "`auto-class`"),
        ("exclude = [1]", "`exclude` must be a list of glob strings"),
        ("trust-remote-code = true", "`trust-remote-code` is not a file setting"),
        ("select = [", "invalid TOML"),
    ],
)
def test_bad_config_exits_2_with_one_line(project: Path, body: str, needle: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.lora-lint]\n{body}\n")
    (project / "a.yaml").write_text(BROKEN)
    code, out, err = run("a.yaml", "--offline")
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert needle in lines[0] and "pyproject.toml" in lines[0]
    assert out == ""


def test_unknown_key_suggests_the_right_one(project: Path) -> None:
    path = project / ".lora-lint.toml"
    path.write_text('extend_select = ["LL100"]\n')
    with pytest.raises(ConfigError, match="did you mean `extend-select`"):
        read_config(path)


def test_explicit_config_flag_and_isolated(project: Path) -> None:
    (project / "a.yaml").write_text(BROKEN)
    other = project / "ci.toml"
    other.write_text('ignore = ["LL000"]\n')
    assert run("a.yaml", "--config", str(other))[0] == 0
    assert run("a.yaml", "--config", str(project / "missing.toml"))[0] == 2
    (project / ".lora-lint.toml").write_text('ignore = ["LL000"]\n')
    assert run("a.yaml")[0] == 0
    assert run("a.yaml", "--isolated")[0] == 1


# --- selection ---------------------------------------------------------------------------------


def test_longest_prefix_wins_and_ignore_wins_ties() -> None:
    policy = Policy(layers=(make_layer(["LL00"], [], ["LL0"]),))
    assert policy.selected("LL002")  # LL00 is longer than LL0
    policy = Policy(layers=(make_layer(["LL"], [], ["LL00", "LL002"]), make_layer(None, ["LL002"], [])))
    assert policy.selected("LL002") and not policy.selected("LL001") and policy.selected("LL100")
    tie = Policy(layers=(make_layer(["LL002"], [], ["LL002"]),))
    assert not tie.selected("LL002")


def test_a_select_layer_starts_afresh_other_layers_fall_through() -> None:
    file_layer = make_layer(None, [], ["LL009"])
    assert not Policy(layers=(make_layer(["LL"]), file_layer)).selected("LL009")
    assert Policy(layers=(make_layer(["LL"]), file_layer)).selected("LL001")
    cli = make_layer(["LL001"])
    assert not Policy(layers=(make_layer(["LL"]), file_layer, cli)).selected("LL002")


def test_command_line_overrides_the_file(project: Path) -> None:
    (project / ".lora-lint.toml").write_text('select = ["LL001"]\nextend-select = ["LL1"]\n')
    args = argparse.Namespace(select=["LL002,LL004"], extend_select=None, ignore=["LL004"])
    policy = make_policy(load_project(None, project), args)
    assert policy.selected("LL002") and not policy.selected("LL004") and not policy.selected("LL001")
    args = argparse.Namespace(select=None, extend_select=["LL002"], ignore=None)
    policy = make_policy(load_project(None, project), args)
    assert policy.selected("LL001") and policy.selected("LL002") and policy.selected("LL100")
    assert not policy.selected("LL003")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("legacy", "configs/legacy/a.yaml", True),
        ("*.json", "a/b/adapter_config.json", True),
        ("configs/legacy", "configs/legacy/sub/a.yaml", True),
        ("configs/legacy", "other/configs/legacy/a.yaml", False),
        ("configs/*.yaml", "configs/a.yaml", True),
        ("configs/*.yaml", "configs/x/a.yaml", False),
        ("configs/**/*.yaml", "configs/x/y/a.yaml", True),
        ("configs/**/*.yaml", "configs/a.yaml", True),
        ("**/tmp_*", "a/b/tmp_1.yaml", True),
        ("a?.yaml", "ab.yaml", True),
        ("[ab].yaml", "c.yaml", False),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected


def test_per_file_ignores_and_severity_end_to_end(project: Path) -> None:
    (project / "legacy").mkdir()
    (project / "legacy" / "a.yaml").write_text(AMBIGUOUS)
    (project / "b.yaml").write_text(AMBIGUOUS)
    (project / "pyproject.toml").write_text(
        '[tool.lora-lint]\nper-file-ignores = { "legacy/**" = ["LL00"] }\nseverity = { LL002 = "error" }\n'
    )
    code, out, _ = run(".", "--offline", "--format", "json")
    found = json.loads(out)["diagnostics"]
    assert [(d["path"].replace("\\", "/"), d["code"], d["severity"]) for d in found] == [
        ("b.yaml", "LL002", "error")
    ]
    assert code == 1  # the override made it fail without --strict


def test_strict_and_offline_from_the_file(project: Path) -> None:
    (project / "a.yaml").write_text(AMBIGUOUS)
    assert run("a.yaml", "--offline")[0] == 0
    (project / ".lora-lint.toml").write_text("strict = true\noffline = true\n")
    assert run("a.yaml")[0] == 1


def test_exclude_applies_to_explicit_files(project: Path) -> None:
    (project / "vendor").mkdir()
    (project / "vendor" / "broken.yaml").write_text(BROKEN)
    (project / "ok.yaml").write_text("name: not a lora config\n")
    assert run("vendor/broken.yaml")[0] == 1
    (project / ".lora-lint.toml").write_text('exclude = ["vendor"]\n')
    code, out, _ = run("vendor/broken.yaml", "ok.yaml", "--format", "json")
    assert code == 0 and json.loads(out)["diagnostics"] == []
    assert run(".", "--format", "json")[0] == 0


def test_models_mapping_is_relative_to_the_config_file(project: Path) -> None:
    folder = project / "models" / "tiny"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(
        json.dumps({"model_type": "gpt2", "n_layer": 2, "n_embd": 64, "n_head": 2, "vocab_size": 100})
    )
    (project / "sub").mkdir()
    (project / "sub" / "a.yaml").write_text(
        "base_model_name_or_path: my-org/private\nr: 8\ntarget_modules: [c_attn]\n"
    )
    assert "LL009" in codes(run("sub/a.yaml", "--offline", "--format", "json")[1])
    (project / ".lora-lint.toml").write_text('[models]\n"my-org/private" = "models/tiny"\n')
    code, out, _ = run("sub/a.yaml", "--offline", "--format", "json")
    assert code == 0 and codes(out) == []
    config = json.loads(out)["files"][0]["configs"][0]
    assert config["model_source"] == "mapping" and len(config["modules"]) == 2


def test_auto_class_from_the_file_and_the_flag_wins(project: Path) -> None:
    (project / "a.yaml").write_text("base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn]\n")
    (project / ".lora-lint.toml").write_text('auto-class = "AutoModelForSequenceClassification"\n')
    out = run("a.yaml", "--offline", "--format", "json")[1]
    assert json.loads(out)["files"][0]["configs"][0]["auto_class"] == "AutoModelForSequenceClassification"
    out = run("a.yaml", "--offline", "--format", "json", "--auto-class", "AutoModelForCausalLM")[1]
    assert json.loads(out)["files"][0]["configs"][0]["auto_class"] == "AutoModelForCausalLM"


def test_cli_select_and_ignore_flags(project: Path) -> None:
    (project / "a.yaml").write_text(AMBIGUOUS)
    assert codes(run("a.yaml", "--offline", "--format", "json")[1]) == ["LL002"]
    assert codes(run("a.yaml", "--offline", "--format", "json", "--ignore", "LL002")[1]) == []
    assert codes(run("a.yaml", "--offline", "--format", "json", "--select", "LL001,LL003")[1]) == []
    code, _, err = run("a.yaml", "--select", "XX1")
    assert code == 2 and "--select" in err and len(err.strip().splitlines()) == 1


def test_severity_prefix_longest_wins() -> None:
    policy = Policy(severity=(("LL", Severity.ERROR), ("LL009", Severity.WARNING)))
    assert policy.severity_for("LL009", Severity.INFO) is Severity.WARNING
    assert policy.severity_for("LL004", Severity.WARNING) is Severity.ERROR
    assert Policy().severity_for("LL004", Severity.WARNING) is Severity.WARNING
