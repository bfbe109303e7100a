"""Every kind of broken, hostile or odd file gets a clear diagnostic with a position, never a traceback.

Each case lints one file in-process (``--offline --format json``) and checks the LL000 message, its
line and column, and that the command ended normally (exit 0 or 1, nothing on stderr).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reliability_helpers import Run, assert_clean_exit, lint, running_as_root

GPT2 = "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn]\n"


def lint_file(folder: Path, name: str, content: bytes, *extra: str) -> Run:
    (folder / name).write_bytes(content)
    run = lint(name, "--offline", "--isolated", "--format", "json", *extra, cwd=folder)
    assert_clean_exit(run)
    assert run.err == ""
    return run


def only_ll000(run: Run) -> dict[str, object]:
    found = [d for d in run.diagnostics if d["code"] == "LL000"]
    assert len(found) == 1, run.diagnostics
    assert run.code == 1
    return found[0]


# name, content, a fragment of the message, (line, column) of the diagnostic
PARSE_ERRORS = [
    ("unclosed_list.yaml", b"r: 8\ntarget_modules: [q_proj, v_proj\n", "expected ',' or ']'", (3, 1)),
    (
        "bad_indent.yaml",
        b"r: 8\ntarget_modules:\n  - q_proj\n - v_proj\n",
        "while parsing a block mapping at line 1",
        (4, 2),
    ),
    ("tab_indent.yaml", b"lora:\n\tr: 8\n", "a tab (YAML indents with spaces only)", (2, 1)),
    ("unclosed_quote.yaml", b'r: 8\nname: "abc\n', "found unexpected end of stream", (3, 1)),
    (
        "trailing_comma.json",
        b'{"r": 8,\n "target_modules": ["q_proj",]}',
        "unexpected character ']'",
        (2, 30),
    ),
    ("missing_colon.json", b'{"r" 8}', "expected ':'", (1, 6)),
    ("single_quotes.json", b"{'r': 8}", "expected a string key", (1, 2)),
    ("two_values.json", b'{"r": 8}\n{"r": 9}\n', "extra data after the JSON value", (2, 1)),
    ("unterminated.json", b'{"r": 8, "target_modules": ["q_proj', "unterminated or invalid string", (1, 29)),
    ("empty.json", b"", "file is empty", (1, 1)),
    ("blank.json", b"  \n\n", "file is empty", (1, 1)),
    ("binary.yaml", b"\x00\x01\x02\x03 not text", "binary", (1, 1)),
    ("latin1.yaml", b"r: 8\nnote: caf\xe9\n", "not valid UTF-8", (2, 10)),
    ("utf16.yaml", "r: 8\n".encode("utf-16"), "UTF-16", (1, 1)),
    ("utf32.json", '{"r": 8}'.encode("utf-32"), "UTF-32", (1, 1)),
    ("huge_int.yaml", b"r: " + b"9" * 5000 + b"\n", "cannot read value", (1, 4)),
    ("huge_int.json", b'{"r": ' + b"9" * 5000 + b"}", "too long", (1, 7)),
    ("bad_date.yaml", b"r: 8\ncreated: 2024-13-45\n", "cannot read value", (2, 10)),
    ("surrogate.json", b'{"target_modules": ["\\ud800"]}', "surrogate", (1, 21)),
    ("list_key.yaml", b"? [q_proj, v_proj]\n: 8\n", "mapping key must be a plain value", (1, 3)),
]


@pytest.mark.parametrize(
    ("name", "content", "fragment", "where"), PARSE_ERRORS, ids=[c[0] for c in PARSE_ERRORS]
)
def test_bad_file_is_ll000_at_its_position(
    tmp_path: Path, name: str, content: bytes, fragment: str, where: tuple[int, int]
) -> None:
    diag = only_ll000(lint_file(tmp_path, name, content))
    assert fragment in str(diag["message"])
    assert (diag["line"], diag["column"]) == where
    assert diag["name"] == "parse-error" and diag["severity"] == "error"


def test_empty_and_comment_only_yaml_hold_no_config(tmp_path: Path) -> None:
    """YAML defines an empty stream as valid (no documents): nothing to report, like any YAML
    without a LoRA config. An empty .json file is not valid JSON (above)."""
    for name, content in (
        ("empty.yaml", b""),
        ("comments.yaml", b"# nothing yet\n\n"),
        ("null.yaml", b"~\n"),
    ):
        run = lint_file(tmp_path, name, content)
        assert run.code == 0 and run.diagnostics == []


@pytest.mark.parametrize("name", ["bom.yaml", "bom.json"])
def test_utf8_bom_is_read(tmp_path: Path, name: str) -> None:
    text = (
        GPT2
        if name.endswith(".yaml")
        else json.dumps({"base_model_name_or_path": "gpt2", "r": 8, "target_modules": ["c_attn"]})
    )
    run = lint_file(tmp_path, name, b"\xef\xbb\xbf" + text.encode())
    assert run.code == 0 and run.diagnostics == []
    configs = json.loads(run.out)["files"][0]["configs"]
    assert configs[0]["base_model"] == "gpt2" and configs[0]["modules"]


def test_bom_keeps_columns(tmp_path: Path) -> None:
    diag = only_ll000(lint_file(tmp_path, "bom_bad.json", b'\xef\xbb\xbf{"r" 8}'))
    assert (diag["line"], diag["column"]) == (1, 6)


def test_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    content = GPT2.encode()
    diag = only_ll000(lint_file(tmp_path, "big.yaml", content, "--max-file-size", str(len(content) - 1)))
    assert f"over the {len(content) - 1}-byte limit" in str(diag["message"])
    assert lint_file(tmp_path, "big.yaml", content, "--max-file-size", str(len(content))).diagnostics == []


def test_default_size_limit_is_5_mb(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:  # sparse: the size is checked before anything is read
        handle.truncate(5 * 1024 * 1024 + 1)
    run = lint("huge.yaml", "--offline", "--isolated", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    diag = only_ll000(run)
    assert "5,242,881 bytes, over the 5,242,880-byte limit" in str(diag["message"])


DEEP = [
    ("flow.yaml", b"[" * 100_000 + b"]" * 100_000),
    ("block.yaml", b"- " * 50_000 + b"x\n"),
    ("flow_map.yaml", b"{a: " * 50_000 + b"1" + b"}" * 50_000),
    ("indented.yaml", "".join(" " * i + "a:\n" for i in range(2000)).encode() + b" " * 2000 + b"1\n"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000),
    ("deep_map.json", b'{"a": ' * 50_000 + b"1" + b"}" * 50_000),
]


@pytest.mark.parametrize(("name", "content"), DEEP, ids=[d[0] for d in DEEP])
def test_deep_nesting_is_refused_early(tmp_path: Path, name: str, content: bytes) -> None:
    """libyaml's composer recursed in C and crashed the process (SIGSEGV) on such files."""
    diag = only_ll000(lint_file(tmp_path, name, content))
    assert "nested deeper than 200 levels" in str(diag["message"])
    assert diag["line"] <= 202


def test_reasonable_nesting_is_fine(tmp_path: Path) -> None:
    nested = "x: " + "[" * 150 + "1" + "]" * 150 + "\n" + GPT2
    run = lint_file(tmp_path, "nested.yaml", nested.encode())
    assert run.code == 0 and run.diagnostics == []


def _billion_laughs() -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


def _merge_bomb() -> bytes:
    keys = ", ".join(f"k{i}: {i}" for i in range(10))
    lines = [f"m0: &m0 {{{keys}}}"]
    for i in range(1, 9):
        refs = ", ".join([f"*m{i - 1}"] * 10)
        lines.append(f"m{i}: &m{i} {{<<: [{refs}], own{i}: [{refs}]}}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "content"), [("laughs.yaml", _billion_laughs()), ("merge.yaml", _merge_bomb())]
)
def test_alias_bombs_stop_at_the_budget(tmp_path: Path, name: str, content: bytes) -> None:
    diag = only_ll000(lint_file(tmp_path, name, content))
    assert "alias bomb" in str(diag["message"])


def test_anchors_and_merge_keys_in_a_real_config(tmp_path: Path) -> None:
    text = (
        "defaults: &lora {r: 8, lora_alpha: 16, target_modules: [c_attn]}\n"
        "adapter:\n  <<: *lora\n  base_model_name_or_path: gpt2\n  peft_type: LORA\n  lora_alpha: 32\n"
    )
    run = lint_file(tmp_path, "anchors.yaml", text.encode())
    assert run.code == 0, run.diagnostics
    assert "LL012" not in run.codes()  # overriding a merged key is what `<<` is for


CANARY_TAGS = [
    "x: !!python/object/apply:os.system ['touch {canary}']\n",
    "x: !!python/object/apply:builtins.exec [\"open('{canary}', 'w').write('ran')\"]\n",
    "x: !!python/object/new:subprocess.Popen [[touch, '{canary}']]\n",
    "x: !!python/object/apply:subprocess.check_call [[touch, '{canary}']]\n",
    "x: !!python/name:os.system\ny: 'touch {canary}'\n",
    "x: !!python/module:os\n",
    "!!python/object/apply:os.system ['touch {canary}']\n",
    "? !!python/name:os.system\n: 'touch {canary}'\n",
    "lora_dropout: !!python/object/apply:os.system ['touch {canary}']\n",
    "target_modules: !!python/tuple [c_attn]\n",
]


@pytest.mark.parametrize("template", CANARY_TAGS, ids=range(len(CANARY_TAGS)))
def test_python_tags_never_construct_anything(tmp_path: Path, template: str) -> None:
    """In a file without a LoRA config (mkdocs.yml uses ``!!python/name:``) a tag is not reported;
    in a LoRA config it is LL000 at the tag. Either way nothing is ever built."""
    canary = tmp_path / "CANARY"
    evil = template.format(canary=canary)
    run = lint_file(tmp_path, "plain.yaml", evil.encode())
    assert run.diagnostics == [] and run.code == 0
    if not evil.startswith("!!"):  # a whole-document tag cannot sit beside config keys
        config = "base_model_name_or_path: gpt2\nr: 8\npeft_type: LORA\n" + evil
        if "target_modules" not in evil:
            config += "target_modules: [c_attn]\n"
        diags = [
            d for d in lint_file(tmp_path, "config.yaml", config.encode()).diagnostics if d["code"] == "LL000"
        ]
        assert diags and all(
            "python/" in str(d["message"]) and "never builds it" in str(d["message"]) for d in diags
        )
        assert {d["line"] for d in diags} >= {4}
    assert not canary.exists(), "a YAML tag ran code"


def test_other_tags_are_read_untagged(tmp_path: Path) -> None:
    text = GPT2 + "peft_type: LORA\nlayers_pattern: !Ref pattern\nnotes: !!set {a, b}\n"
    run = lint_file(tmp_path, "tags.yaml", text.encode())
    found = [(d["line"], d["column"], d["message"]) for d in run.diagnostics if d["code"] == "LL000"]
    assert found == [
        (
            5,
            17,
            (
                "YAML tag `!Ref` is not plain data: lora-lint never builds it and reads the value untagged; "
                "yaml.safe_load, as training frameworks read configs, refuses this file"
            ),
        ),
        (6, 8, "YAML tag `!!set` is not plain data: lora-lint never builds it and reads the value untagged"),
    ]
    cloudformation = "Resources:\n  Bucket:\n    Name: !Ref BucketName\n    Arn: !GetAtt [Bucket, Arn]\n"
    assert lint_file(tmp_path, "stack.yaml", cloudformation.encode()).diagnostics == []


def test_multi_document_yaml(tmp_path: Path) -> None:
    text = GPT2 + "---\n" + GPT2.replace("[c_attn]", "[attn.c_proj]") + "---\n# a comment-only document\n"
    run = lint_file(tmp_path, "multi.yaml", text.encode())
    assert run.code == 0, run.diagnostics
    configs = json.loads(run.out)["files"][0]["configs"]
    assert [c["line"] for c in configs] == [1, 5]
    assert [len(c["modules"]) for c in configs] == [12, 12]


def test_multi_document_yaml_with_a_broken_document(tmp_path: Path) -> None:
    text = GPT2 + "---\nr: [8\n"
    diag = only_ll000(lint_file(tmp_path, "multi_bad.yaml", text.encode()))
    assert diag["line"] == 6  # in the second document, not the first


def test_symlink_loops_while_walking(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "configs").mkdir(parents=True)
    (repo / "configs" / "a.yaml").write_text(GPT2)
    (repo / "configs" / "loop").symlink_to(repo, target_is_directory=True)
    (repo / "configs" / "self").symlink_to(repo / "configs", target_is_directory=True)
    (repo / "x.yaml").symlink_to(repo / "y.yaml")
    (repo / "y.yaml").symlink_to(repo / "x.yaml")
    (repo / "dangling.yaml").symlink_to(repo / "missing.yaml")
    run = lint(".", "--offline", "--isolated", "--format", "json", cwd=repo)
    assert_clean_exit(run)
    files = [f["path"] for f in json.loads(run.out)["files"]]
    assert [os.path.normpath(f) for f in files] == [os.path.join("configs", "a.yaml")]  # once, not per loop
    by_path = {Path(d["path"]).name: d["message"] for d in run.diagnostics if d["code"] == "LL000"}
    assert "symbolic links" in by_path["x.yaml"] and "symbolic links" in by_path["y.yaml"]
    assert "No such file" in by_path["dangling.yaml"]


def test_missing_path_and_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    run = lint("pipe.yaml", "nope.yaml", "--offline", "--isolated", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    messages = {d["path"]: d["message"] for d in run.diagnostics}
    assert "not a regular file" in messages["pipe.yaml"]  # never opened: opening a FIFO blocks
    assert "No such file" in messages["nope.yaml"]


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 does not stop root, so as root the refusal is simulated at ``open``."""
    path = tmp_path / "secret.yaml"
    path.write_text(GPT2)
    path.chmod(0)
    try:
        if running_as_root():
            import lora_lint.load as load_mod

            def denied(file: object, *args: object, **kwargs: object) -> object:
                raise PermissionError(13, "Permission denied", str(file))

            monkeypatch.setattr(load_mod, "open", denied, raising=False)
        run = lint("secret.yaml", "--offline", "--isolated", "--format", "json", cwd=tmp_path)
    finally:
        path.chmod(0o644)
    assert_clean_exit(run)
    assert "cannot read file: Permission denied" in only_ll000(run)["message"]


def test_unreadable_folder_is_reported_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "repo" / "locked"
    locked.mkdir(parents=True)
    (locked / "a.yaml").write_text(GPT2)
    (tmp_path / "repo" / "b.yaml").write_text(GPT2)
    real_scandir, real_listdir = os.scandir, os.listdir

    def refuse(path: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    def scandir(path: object = ".") -> object:
        return refuse(path) if Path(str(path)).name == "locked" else real_scandir(path)  # type: ignore[arg-type]

    def listdir(path: object = ".") -> object:
        return refuse(path) if Path(str(path)).name == "locked" else real_listdir(path)  # type: ignore[arg-type]

    if not running_as_root():
        locked.chmod(0)
    else:
        monkeypatch.setattr(os, "scandir", scandir)
        monkeypatch.setattr(os, "listdir", listdir)
    try:
        run = lint("repo", "--offline", "--isolated", "--format", "json", cwd=tmp_path)
    finally:
        locked.chmod(0o755)
    assert_clean_exit(run)
    diag = only_ll000(run)
    assert diag["path"].endswith("locked") and "cannot read folder: Permission denied" in diag["message"]
    assert [f["path"] for f in json.loads(run.out)["files"] if f["configs"]] == [
        os.path.join("repo", "b.yaml")
    ]


def test_keys_of_mixed_types(tmp_path: Path) -> None:
    """YAML keys need not be strings; mixed int and string keys once crashed the cache key (exit 2)."""
    text = GPT2 + "rank_pattern: {1: 4, c_attn: 2, null: 8}\nalpha_pattern: {true: 16, c_attn: 32}\n"
    for extra in ((), ("--exact",), ()):  # cold, PEFT itself, then warm from the cache
        run = lint_file(tmp_path, "mixed.yaml", text.encode(), *extra)
        [diag] = [d for d in run.diagnostics if d["code"] == "LL013"]
        assert "TypeError" in str(diag["message"])  # PEFT sorts the keys, and so raises
