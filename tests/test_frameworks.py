"""Framework adapters: every framework has passing and failing fixtures with golden output.

tests/fixtures/frameworks/<framework>/{pass,fail}/<file> is linted offline from its own folder.
The golden ``<file>.out`` next to it holds the diagnostics and, per config, the framework, base
model, number of wrapped modules and trainable parameters. Rewrite goldens after a deliberate
change with ``UPDATE_GOLDENS=1 pytest tests/test_frameworks.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lora_lint.diagnostics import Severity
from lora_lint.extract import extract
from lora_lint.extract.spec import LoraSpec
from lora_lint.lint import LintResult, Settings, lint_paths
from lora_lint.load import load_text
from lora_lint.models.roles import tower_of

FIXTURES = Path(__file__).parent / "fixtures" / "frameworks"
FRAMEWORKS = (
    "peft",
    "axolotl",
    "llama-factory",
    "trl",
    "torchtune",
    "mlx-lm",
    "litgpt",
    "ms-swift",
    "ludwig",
    "python",
)
SUFFIXES = (".yaml", ".yml", ".json", ".py")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _fixtures(kind: str) -> list[Path]:
    return sorted(
        p
        for fw in FRAMEWORKS
        for p in (FIXTURES / fw / kind).glob("*")
        if p.suffix in SUFFIXES and p.is_file()
    )


def _lint(path: Path) -> LintResult:
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        return lint_paths([path.name], Settings(offline=True))
    finally:
        os.chdir(cwd)


def _report(result: LintResult) -> Iterator[str]:
    for diag in result.diagnostics:
        span = diag.span
        yield f"{diag.path}:{span.line}:{span.column}: {diag.code} {diag.severity.label}: {diag.message}"
        if diag.help:
            yield f"    help: {diag.help}"
    for file in result.files:
        for config in file.configs:
            data = config.as_json()
            modules = data["modules"]
            yield (
                f"config {data['pointer'] or '/'} line {data['line']}: framework={data['framework']} "
                f"base_model={data['base_model']} modules={len(modules) if modules is not None else None} "
                f"trainable={data['trainable_params']}"
            )


def _check_golden(path: Path, result: LintResult) -> None:
    text = "\n".join(_report(result)) + "\n"
    golden = path.with_name(path.name + ".out")
    if os.environ.get("UPDATE_GOLDENS"):
        golden.write_text(text)
    assert golden.is_file(), f"missing golden {golden.name}; run with UPDATE_GOLDENS=1"
    assert text == golden.read_text()


@pytest.mark.parametrize("path", _fixtures("fail"), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_failing_fixture(path: Path) -> None:
    result = _lint(path)
    framework = path.parts[-3]
    assert result.files[0].configs, "no config found"
    assert all(c.spec.framework == framework for c in result.files[0].configs)
    assert any(d.severity >= Severity.WARNING for d in result.diagnostics), list(_report(result))
    _check_golden(path, result)


@pytest.mark.parametrize("path", _fixtures("pass"), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_passing_fixture(path: Path) -> None:
    result = _lint(path)
    framework = path.parts[-3]
    configs = result.files[0].configs
    assert configs, "no config found"
    assert all(c.spec.framework == framework for c in configs)
    assert not [d for d in result.diagnostics if d.severity >= Severity.WARNING], list(_report(result))
    for config in configs:
        if config.spec.peft_applies or config.spec.equivalent:
            data = config.as_json()
            assert data["base_model"] and data["modules"] and data["trainable_params"], data
    _check_golden(path, result)


def test_every_framework_has_both_fixtures() -> None:
    for framework in FRAMEWORKS:
        for kind in ("pass", "fail"):
            assert any(p.suffix in SUFFIXES for p in (FIXTURES / framework / kind).glob("*")), (
                f"{framework} has no {kind} fixture"
            )


# --- transforms, one by one -----------------------------------------------------------------


def _specs(name: str, text: str) -> list[LoraSpec]:
    specs: list[LoraSpec] = []
    for doc in load_text(name, text):
        specs.extend(extract(doc))
    return specs


def test_trl_single_entry_becomes_a_string() -> None:
    (spec,) = _specs("c.yaml", "model_name_or_path: gpt2\nuse_peft: true\nlora_target_modules: [c_attn]\n")
    assert spec.framework == "trl"
    assert spec.value("target_modules") == "c_attn"
    (two,) = _specs(
        "c.yaml", "model_name_or_path: gpt2\nuse_peft: true\nlora_target_modules: [c_attn, c_proj]\n"
    )
    assert two.value("target_modules") == ["c_attn", "c_proj"]


def test_llama_factory_comma_string_has_entry_spans() -> None:
    text = "model_name_or_path: gpt2\nfinetuning_type: lora\nlora_target: ' c_attn ,c_proj'\n"
    (spec,) = _specs("c.yaml", text)
    found = spec.fields["target_modules"]
    assert found.value == ["c_attn", "c_proj"]
    doc = spec.document
    first, second = (found.entry_span(doc, i) for i in range(2))
    line = text.splitlines()[2]
    assert line[first.column - 1 : first.end_column - 1] == "c_attn"
    assert line[second.column - 1 : second.end_column - 1] == "c_proj"


def test_llama_factory_loading_an_adapter_is_not_a_new_lora() -> None:
    text = "model_name_or_path: gpt2\nadapter_name_or_path: saves/x\nfinetuning_type: lora\n"
    assert _specs("c.yaml", text) == []


def test_mlx_and_peft_adapter_configs_are_told_apart() -> None:
    mlx = '{"model": "m", "fine_tune_type": "lora", "num_layers": 4, "lora_parameters": {"rank": 8}}'
    peft = '{"base_model_name_or_path": "m", "peft_type": "LORA", "r": 8, "target_modules": ["q"]}'
    assert [s.framework for s in _specs("adapter_config.json", mlx)] == ["mlx-lm"]
    assert [s.framework for s in _specs("adapter_config.json", peft)] == ["peft"]


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("# tune download Qwen/Qwen2-0.5B-Instruct --output-dir x\n", "Qwen/Qwen2-0.5B-Instruct"),
        ("checkpointer:\n  checkpoint_dir: /tmp/Qwen2-0.5B-Instruct/\n", "Qwen/Qwen2-0.5B-Instruct"),
        ("", "Qwen/Qwen2-0.5B"),
    ],
)
def test_torchtune_base_model_sources(text: str, model: str) -> None:
    body = (
        text
        + "model:\n  _component_: torchtune.models.qwen2.lora_qwen2_0_5b\n  lora_attn_modules: [q_proj]\n"
    )
    (spec,) = _specs("c.yaml", body)
    assert spec.framework == "torchtune" and not spec.peft_applies
    assert spec.model is not None and spec.model.id == model


def test_python_literal_config_and_model() -> None:
    text = (
        "from peft import LoraConfig\n"
        "m = AutoModelForCausalLM.from_pretrained('gpt2')\n"
        "t = AutoTokenizer.from_pretrained('gpt2')\n"
        "c = LoraConfig(r=4, target_modules=('c_attn',), task_type=TaskType.CAUSAL_LM, lora_dropout=DROP)\n"
    )
    (spec,) = _specs("train.py", text)
    assert spec.framework == "python"
    assert spec.model is not None and spec.model.id == "gpt2"
    assert spec.value("target_modules") == ["c_attn"] and spec.task_type == "CAUSAL_LM"
    assert "lora_dropout" not in spec.fields
    assert any("computed at run time" in n.message for n in spec.notes)
    two_models = text.replace(
        "AutoTokenizer.from_pretrained('gpt2')", "AutoTokenizer.from_pretrained('bert')"
    )
    assert _specs("train.py", two_models)[0].model is None


def test_python_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "train.py"
    script.write_text(
        f"open({str(marker)!r}, 'w').write('x')\n"
        "from peft import LoraConfig\n"
        "config = LoraConfig(r=8, target_modules=['c_attn'])\n"
        "model = AutoModelForCausalLM.from_pretrained('gpt2')\n"
    )
    result = lint_paths([str(script)], Settings(offline=True))
    assert not marker.exists()
    assert result.files[0].configs[0].as_json()["modules"]


def test_python_syntax_error_has_a_position(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text("x = 1\nLoraConfig(r=8,\n")
    result = lint_paths([str(script)], Settings(offline=True))
    (diag,) = result.diagnostics
    assert diag.code == "LL000" and diag.span.line >= 2


def test_python_files_in_folders_need_include_python(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "from peft import LoraConfig\nLoraConfig(r=8, target_modules=['c_attn'])\n"
    )
    assert lint_paths([str(tmp_path)], Settings(offline=True)).files == []
    found = lint_paths([str(tmp_path)], Settings(offline=True, include_python=True)).files
    assert [Path(f.path).name for f in found] == ["train.py"]


def test_framework_trust_remote_code_never_enables_it(tmp_path: Path) -> None:
    model = tmp_path / "custom"
    model.mkdir()
    (model / "config.json").write_text(
        json.dumps({"model_type": "my_custom_arch", "auto_map": {"AutoModelForCausalLM": "modeling.Model"}})
    )
    config = tmp_path / "axolotl.yml"
    config.write_text(
        f"base_model: {model}\ntrust_remote_code: true\nadapter: lora\nlora_target_modules: [q_proj]\n"
    )
    result = lint_paths([str(config)], Settings(offline=True))
    assert [d.code for d in result.diagnostics] == ["LL010"]
    assert result.files[0].configs[0].built is None


def test_projector_inside_the_vision_module() -> None:
    assert tower_of("model.visual.merger.mlp.0") == "projector"
    assert tower_of("model.visual.blocks.0.mlp.gate_proj") == "vision"
    assert tower_of("model.language_model.layers.0.mlp.gate_proj") == "language"


def test_ll002_counts_modules_per_tower_on_qwen2_5_vl(tmp_path: Path) -> None:
    source = SHARED / "model-configs" / "Qwen--Qwen2.5-VL-7B-Instruct.json"
    if not source.is_file():
        pytest.skip("shared model configs not present")
    config = tmp_path / "adapter_config.json"
    config.write_text(
        json.dumps(
            {
                "base_model_name_or_path": str(source),
                "r": 8,
                "lora_alpha": 16,
                "target_modules": ["q_proj", "gate_proj"],
            }
        )
    )
    result = lint_paths([str(config)], Settings(offline=True))
    ambiguous = [d for d in result.diagnostics if d.code == "LL002"]
    assert len(ambiguous) == 1, [d.message for d in result.diagnostics]
    assert ambiguous[0].message.startswith("`gate_proj` matches 60 modules")
    assert "28 in the language model, 32 in the vision tower" in ambiguous[0].message
