"""LL012 duplicate-key: YAML and JSON, top level and nested, in documents that hold a LoRA config."""

from __future__ import annotations

import json
from pathlib import Path

from reliability_helpers import Run, assert_clean_exit, lint

from lora_lint.load import load_text


def run_on(folder: Path, name: str, text: str, *extra: str) -> Run:
    (folder / name).write_text(text)
    run = lint(name, "--offline", "--isolated", "--format", "json", *extra, cwd=folder)
    assert_clean_exit(run)
    return run


def ll012(run: Run) -> list[dict[str, object]]:
    return [d for d in run.diagnostics if d["code"] == "LL012"]


def test_yaml_top_level_duplicate_hides_the_first_list(tmp_path: Path) -> None:
    text = "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn]\nlora_alpha: 16\ntarget_modules: [attn.c_proj]\n"
    run = run_on(tmp_path, "a.yaml", text)
    [diag] = ll012(run)
    assert (diag["line"], diag["column"]) == (5, 1)
    assert "`target_modules` is repeated (first at line 3)" in str(diag["message"])
    assert diag["severity"] == "error" and run.code == 1
    [config] = json.loads(run.out)["files"][0]["configs"]
    assert all(m.endswith("attn.c_proj") for m in config["modules"])  # the later value won, as in PyYAML


def test_yaml_nested_and_repeated_three_times(tmp_path: Path) -> None:
    text = (
        "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn]\n"
        "rank_pattern:\n  c_attn: 4\n  c_attn: 8\n  c_attn: 16\n"
    )
    found = ll012(run_on(tmp_path, "b.yaml", text))
    assert [(d["line"], d["column"]) for d in found] == [(6, 3), (7, 3)]
    assert all("`rank_pattern.c_attn` is repeated (first at line 5)" in str(d["message"]) for d in found)


def test_json_top_level_and_nested(tmp_path: Path) -> None:
    text = (
        '{\n  "base_model_name_or_path": "gpt2",\n  "peft_type": "LORA",\n  "r": 8,\n'
        '  "target_modules": ["c_attn"],\n  "alpha_pattern": {"c_attn": 16, "c_attn": 32},\n  "r": 16\n}\n'
    )
    found = ll012(run_on(tmp_path, "adapter_config.json", text))
    assert [(d["line"], d["column"], d["message"]) for d in found] == [
        (
            6,
            35,
            "key `alpha_pattern.c_attn` is repeated (first at line 6); the later value silently replaces the earlier one",
        ),
        (7, 3, "key `r` is repeated (first at line 4); the later value silently replaces the earlier one"),
    ]


def test_each_document_of_a_stream_on_its_own(tmp_path: Path) -> None:
    first = "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn]\n"
    second = "base_model_name_or_path: gpt2\nr: 8\nr: 4\ntarget_modules: [c_attn]\n"
    found = ll012(run_on(tmp_path, "multi.yaml", first + "---\n" + second))
    assert [d["line"] for d in found] == [7]  # the same keys in two documents are not duplicates


def test_documents_without_a_lora_config_are_left_alone(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: nginx\n    image: caddy\n"
    assert run_on(tmp_path, "compose.yaml", text).diagnostics == []


def test_merge_keys_are_not_duplicates_and_are_reported_once(tmp_path: Path) -> None:
    text = (
        "base: &base {r: 8, r: 4, target_modules: [c_attn]}\n"
        "one:\n  <<: *base\n  base_model_name_or_path: gpt2\n  peft_type: LORA\n  r: 16\n"
    )
    found = ll012(run_on(tmp_path, "merge.yaml", text))
    assert [(d["line"], d["column"]) for d in found] == [(1, 20)]


def test_can_be_ignored(tmp_path: Path) -> None:
    text = "base_model_name_or_path: gpt2\nr: 8\nr: 8\ntarget_modules: [c_attn]\n"
    assert ll012(run_on(tmp_path, "c.yaml", text)) != []
    assert ll012(run_on(tmp_path, "c.yaml", text, "--ignore", "LL012")) == []


def test_spans_follow_the_later_value() -> None:
    for name, text in (
        ("x.yaml", "t: [a, b, c]\nt: [d]\n"),
        ("x.json", '{"t": ["a", "b", "c"],\n "t": ["d"]}'),
    ):
        [doc] = load_text(name, text)
        assert doc.data == {"t": ["d"]}
        assert [d.path for d in doc.duplicates] == [("t",)]
        assert doc.span(("t", 0)).line == 2 and ("t", 2) not in doc.spans
