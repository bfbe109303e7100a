"""Integrations run for real: pre-commit (both hooks), the plain git hook, the CI gate and
``--changed-since`` in temporary git repositories, the workflow example, and the documentation.

Nothing here uses the network: HF_HUB_OFFLINE=1, PIP_NO_INDEX=1, and the `language: python` hook
installs into a virtualenv that sees this interpreter's site-packages (torch is not downloaded).
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from lora_lint.changed import ChangedError, changed_configs
from lora_lint.cli import build_lint_parser, main
from lora_lint.config import read_config
from lora_lint.lint import Settings

REPO = Path(__file__).resolve().parents[1]
HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
HOOKS = REPO / "hooks"
DOCS = REPO / "README.md"
README = REPO / "README.md"

AMBIGUOUS = "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, c_proj]\n"
FIXED = "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, attn.c_proj]\n"
LL002_LINE = re.compile(r"^a\.yaml:3:26: LL002 `c_proj` matches 24 modules in 2 roles", re.MULTILINE)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment isolated from the user's git and pre-commit configuration, offline."""
    out = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "GITHUB_", "CI_", "PRE_COMMIT", "LORA_LINT", "VIRTUALENV_", "PIP_"))
    }
    home = tmp_path / "home"
    home.mkdir()
    out.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        HF_HUB_OFFLINE="1",
        PIP_NO_INDEX="1",
        TRANSFORMERS_VERBOSITY="error",
    )
    return out


def sh(
    cmd: list[str], cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return sh(["git", *args], cwd, env).stdout


def new_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, env, "init", "-q", "-b", "main")
    git(path, env, "config", "commit.gpgsign", "false")
    return path


def commit_all(path: Path, env: dict[str, str], message: str = "c") -> str:
    git(path, env, "add", "-A")
    git(path, env, "commit", "-q", "--no-verify", "-m", message)
    return git(path, env, "rev-parse", "HEAD").strip()


def hook_repo(tmp_path: Path, env: dict[str, str], with_package: bool) -> tuple[Path, str]:
    """A committed copy of this checkout's hook definitions (and package, for `language: python`),
    so pre-commit runs the working tree's .pre-commit-hooks.yaml even before it is committed."""
    dest = tmp_path / "hook-repo"
    dest.mkdir()
    shutil.copy(HOOKS_FILE, dest / HOOKS_FILE.name)
    if with_package:
        for name in ("pyproject.toml", "README.md"):
            if (REPO / name).is_file():
                shutil.copy(REPO / name, dest / name)
        shutil.copytree(
            REPO / "lora_lint", dest / "lora_lint", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    new_repo(dest, env)
    return dest, commit_all(dest, env, "hooks")


def markdown_blocks(text: str, heading: str, lang: str) -> list[str]:
    """Fenced ``lang`` blocks in the section under ``## heading`` (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no `## {heading}` section"
    return re.findall(rf"^```{lang}\n(.*?)^```", match.group(1), re.MULTILINE | re.DOTALL)


def documented_pre_commit_config() -> dict[str, Any]:
    blocks = markdown_blocks(DOCS.read_text(), "pre-commit", "yaml")
    config = yaml.safe_load(blocks[0])
    assert isinstance(config, dict) and "repos" in config
    return config


def pre_commit_config(project: Path, repo: Path, rev: str, hook_id: str, args: list[str]) -> None:
    """The documented snippet, pointed at the local hook repository."""
    config = documented_pre_commit_config()
    entry = config["repos"][0]
    entry["repo"], entry["rev"] = str(repo), rev
    entry["hooks"] = [{"id": hook_id, "args": args}]
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def pre_commit(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return sh([sys.executable, "-m", "pre_commit", *args], project, env, check=False)


def lint_json(*argv: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main([*argv, "--format", "json"], out=out, err=io.StringIO())
    return code, json.loads(out.getvalue())


# --- the hook definitions and their documentation ---------------------------------------------


def hooks() -> list[dict[str, Any]]:
    data = yaml.safe_load(HOOKS_FILE.read_text())
    assert isinstance(data, list)
    return data


def test_hook_definitions() -> None:
    by_id = {h["id"]: h for h in hooks()}
    assert set(by_id) == {"lora-lint", "lora-lint-system"}
    assert by_id["lora-lint"]["language"] == "python"
    assert by_id["lora-lint-system"]["language"] == "system"
    for hook in by_id.values():
        assert hook["entry"] == "lora-lint"
        assert hook["types_or"] == ["yaml", "json"]
        assert hook["require_serial"] is True


def test_every_hook_id_is_documented() -> None:
    ids = [h["id"] for h in hooks()]
    docs = DOCS.read_text()
    for hook_id in ids:
        assert f"`{hook_id}`" in docs or f"id: {hook_id}" in docs, f"{hook_id} missing from {DOCS.name}"
    if README.is_file() and re.search(r"^## pre-commit\s*$", README.read_text(), re.MULTILINE):
        readme = README.read_text()
        for hook_id in ids:
            assert hook_id in readme, f"hook id {hook_id} missing from README.md"
    documented = documented_pre_commit_config()["repos"][0]["hooks"]
    assert {h["id"] for h in documented} <= set(ids)


@needs_git
def test_pre_commit_validates_the_manifest_and_the_documented_config(
    tmp_path: Path, env: dict[str, str]
) -> None:
    assert pre_commit(REPO, env, "validate-manifest", str(HOOKS_FILE)).returncode == 0
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(documented_pre_commit_config()))
    done = pre_commit(tmp_path, env, "validate-config", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_documented_configuration_is_valid(tmp_path: Path) -> None:
    [toml] = markdown_blocks(DOCS.read_text(), "Configuration", "toml")
    path = tmp_path / "pyproject.toml"
    path.write_text(toml)
    config = read_config(path)
    assert config is not None and config.ignore == ["LL009"] and "my-org/private-7b" in config.models


def test_documented_gitlab_and_github_snippets_parse() -> None:
    text = DOCS.read_text()
    for block in markdown_blocks(text, "CI gate on changed configs", "yaml"):
        assert isinstance(yaml.safe_load(block), dict)
    for block in markdown_blocks(text, "GitHub Actions", "yaml"):
        assert isinstance(yaml.safe_load(block), list)


# --- pre-commit, for real ----------------------------------------------------------------------


def _run_hook_cycle(project: Path, env: dict[str, str], hook_id: str) -> None:
    (project / "a.yaml").write_text(AMBIGUOUS)
    git(project, env, "add", "-A")
    failed = pre_commit(project, env, "run")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert re.search(rf"^{re.escape(hook_id.replace('-system', ''))}.*Failed$", output, re.MULTILINE), output
    assert LL002_LINE.search(output), output
    (project / "a.yaml").write_text(FIXED)
    git(project, env, "add", "-A")
    passed = pre_commit(project, env, "run")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout and "LL002" not in passed.stdout


@needs_git
def test_pre_commit_system_hook(tmp_path: Path, env: dict[str, str]) -> None:
    if shutil.which("lora-lint", path=env.get("PATH")) is None:
        pytest.skip("lora-lint is not installed on PATH")
    repo, rev = hook_repo(tmp_path, env, with_package=False)
    project = new_repo(tmp_path / "project", env)
    pre_commit_config(project, repo, rev, "lora-lint-system", ["--strict"])
    _run_hook_cycle(project, env, "lora-lint-system")


@pytest.mark.slow
@needs_git
def test_pre_commit_python_hook(tmp_path: Path, env: dict[str, str]) -> None:
    repo, rev = hook_repo(tmp_path, env, with_package=True)
    project = new_repo(tmp_path / "project", env)
    pre_commit_config(project, repo, rev, "lora-lint", ["--strict"])
    # pre-commit builds the hook's virtualenv with `virtualenv`, which reads VIRTUALENV_* settings:
    # seeing this interpreter's site-packages, `pip install .` finds torch, transformers and peft
    # already there; without an index and without build isolation it never touches the network.
    env = {**env, "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    installed = pre_commit(project, env, "install-hooks")
    if installed.returncode != 0:
        pytest.skip(f"pre-commit could not install the hook offline: {installed.stdout[-400:]}")
    scripts = list(Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/*/lora-lint*"))
    assert scripts, "the hook's own environment has no lora-lint"
    _run_hook_cycle(project, env, "lora-lint")


# --- the plain git hook ------------------------------------------------------------------------


@needs_git
@needs_bash
def test_plain_git_hook_blocks_the_commit_then_lets_it_through(tmp_path: Path, env: dict[str, str]) -> None:
    project = new_repo(tmp_path / "project", env)
    hook = project / ".git" / "hooks" / "pre-commit"
    shutil.copy(HOOKS / "pre-commit", hook)
    hook.chmod(0o755)
    env = {**env, "LORA_LINT_ARGS": "--strict --offline"}
    (project / "notes.txt").write_text("no configs staged: the hook does not even look for lora-lint\n")
    git(project, env, "add", "notes.txt")
    assert (
        sh(["git", "commit", "-q", "-m", "notes"], project, {**env, "LORA_LINT": "/nonexistent"}).returncode
        == 0
    )

    (project / "a.yaml").write_text(AMBIGUOUS)
    git(project, env, "add", "a.yaml")
    blocked = sh(["git", "commit", "-q", "-m", "bad"], project, env, check=False)
    assert blocked.returncode != 0
    assert LL002_LINE.search(blocked.stdout + blocked.stderr), blocked.stdout + blocked.stderr
    assert git(project, env, "rev-list", "--count", "HEAD").strip() == "1"

    (project / "a.yaml").write_text(FIXED)
    git(project, env, "add", "a.yaml")
    sh(["git", "commit", "-q", "-m", "fixed"], project, env)
    assert git(project, env, "rev-list", "--count", "HEAD").strip() == "2"


# --- the CI gate and --changed-since -----------------------------------------------------------


def private(n: int) -> str:
    """A config whose model cannot resolve offline: an LL009 per linted file, without torch."""
    return f"base_model_name_or_path: my-org/private-{n}\nr: 8\ntarget_modules: [q_proj]\n"


@pytest.fixture
def gate_repo(tmp_path: Path, env: dict[str, str]) -> Path:
    """main: five configs and a local model; feature: some changed, one new, one deleted."""
    repo = new_repo(tmp_path / "gate", env)
    configs = repo / "configs"
    configs.mkdir()
    for name, n in (("edited", 1), ("untouched", 2), ("gone", 3), ("main_only", 4)):
        (configs / f"{name}.yaml").write_text(private(n))
    model = repo / "models" / "tiny"
    model.mkdir(parents=True)
    (model / "config.json").write_text('{"model_type": "gpt2", "n_layer": 1}\n')
    (model / "README.md").write_text("tiny\n")
    (configs / "uses_tiny.yaml").write_text(
        "base_model_name_or_path: ../models/tiny\nr: 8\ntarget_modules: [c_attn]\n"
    )
    (configs / "uses_tiny_too.yaml").write_text(
        "base_model_name_or_path: ../models/tiny\nr: 8\ntarget_modules: [c_attn]\n"
    )
    (repo / "docs.yaml").write_text(private(9))
    commit_all(repo, env, "base")
    git(repo, env, "checkout", "-q", "-b", "feature")
    (configs / "edited.yaml").write_text(private(11))
    (model / "config.json").write_text("{ malformed\n")  # its users are linted: LL009 names it
    (configs / "gone.yaml").unlink()
    commit_all(repo, env, "feature")
    git(repo, env, "checkout", "-q", "main")
    git(repo, env, "checkout", "-q", "-b", "later")
    (configs / "main_only.yaml").write_text(private(14))
    commit_all(repo, env, "main moved on")
    git(repo, env, "branch", "-q", "-f", "main", "later")
    git(repo, env, "checkout", "-q", "feature")
    (configs / "new.yaml").write_text(private(12))  # untracked
    (repo / "docs.yaml").write_text(private(19))  # modified in the work tree, outside configs/
    return repo


LINTED_ON_FEATURE = {
    "configs/edited.yaml",
    "configs/new.yaml",
    "configs/uses_tiny.yaml",
    "configs/uses_tiny_too.yaml",
}


def gate(repo: Path, env: dict[str, str], *args: str) -> tuple[int, set[str], str]:
    done = sh(["bash", str(HOOKS / "ci-gate"), *args], repo, env, check=False)
    paths: set[str] = set()
    if done.stdout.strip():
        paths = {d["path"].replace("\\", "/") for d in json.loads(done.stdout)["diagnostics"]}
    return done.returncode, paths, done.stderr


@needs_git
@needs_bash
def test_ci_gate_lints_only_what_the_change_touched(gate_repo: Path, env: dict[str, str]) -> None:
    args = ("--format", "json", "--offline", "configs")
    code, paths, err = gate(gate_repo, {**env, "GITHUB_BASE_REF": "main"}, *args)
    assert code == 0, err
    assert paths == LINTED_ON_FEATURE, err
    assert "since main" in err
    assert (
        gate(gate_repo, {**env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, *args)[1] == LINTED_ON_FEATURE
    )
    assert gate(gate_repo, env, "--base", "main", *args)[1] == LINTED_ON_FEATURE
    # the strictness and other flags pass through: LL009 is a warning under --strict
    assert gate(gate_repo, env, "--base", "main", "--strict", *args)[0] == 1


@needs_git
@needs_bash
def test_ci_gate_without_a_base_lints_everything_and_a_bad_base_is_an_error(
    gate_repo: Path, env: dict[str, str]
) -> None:
    code, paths, err = gate(gate_repo, env, "--format", "json", "--offline", "configs")
    assert code == 0 and "linting everything" in err
    assert paths == LINTED_ON_FEATURE | {"configs/untouched.yaml", "configs/main_only.yaml"}
    code, paths, err = gate(gate_repo, env, "--base", "no-such-branch", "--format", "json")
    assert code == 2 and paths == set() and "no-such-branch" in err


@needs_git
def test_changed_since_in_process(
    gate_repo: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", env["HOME"])
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(gate_repo)
    settings = Settings(offline=True)
    everything = set(changed_configs("main", ["."], settings))
    # relative to main's tip, main_only.yaml differs too; docs.yaml is modified in the work tree;
    # the model's config.json is a changed JSON file, which `lora-lint .` would read as well
    assert everything == LINTED_ON_FEATURE | {
        "configs/main_only.yaml",
        "docs.yaml",
        "models/tiny/config.json",
    }
    assert set(changed_configs("main", ["configs/uses_tiny.yaml"], settings)) == {"configs/uses_tiny.yaml"}
    assert changed_configs("HEAD", ["configs"], settings) == ["configs/new.yaml"]
    code, doc = lint_json("--changed-since", "HEAD", "--offline", "configs")
    assert code == 0 and [d["path"] for d in doc["diagnostics"]] == ["configs/new.yaml"]
    out, err = io.StringIO(), io.StringIO()
    assert main(["--changed-since", "nope", "configs"], out=out, err=err) == 2
    assert err.getvalue().count("\n") == 1 and "--changed-since" in err.getvalue()


def test_changed_since_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(ChangedError):
        changed_configs("HEAD", ["."], Settings())
    err = io.StringIO()
    assert main(["--changed-since", "HEAD"], out=io.StringIO(), err=err) == 2
    assert "not a git repository" in err.getvalue().lower()


# --- the GitHub Actions workflow example -------------------------------------------------------


def _lora_lint_commands(run: str) -> list[list[str]]:
    commands = []
    for line in run.splitlines():
        line = re.sub(r"\$\((?:[^()]|\([^()]*\))*\)", "REF", line)  # command substitutions
        words = shlex.split(line.split(">")[0])
        if words and words[0] == "lora-lint":
            commands.append(words[1:])
    return commands


def test_github_workflow_example() -> None:
    workflow = yaml.safe_load((HOOKS / "github-workflow.yml").read_text())
    steps = workflow["jobs"]["lora-lint"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif") for s in steps)
    assert workflow["permissions"]["security-events"] == "write"
    commands = [c for s in steps if "run" in s for c in _lora_lint_commands(s["run"])]
    assert any("--changed-since" in c for c in commands)
    assert any(c[c.index("--format") + 1] == "sarif" for c in commands if "--format" in c)
    parser = build_lint_parser()
    for command in commands:
        parser.parse_args(command)  # every flag the example uses exists


def test_hook_scripts_are_executable() -> None:
    for name in ("pre-commit", "ci-gate"):
        path = HOOKS / name
        assert path.read_text().startswith("#!/usr/bin/env bash\n")
        if os.name == "posix":
            assert os.access(path, os.X_OK), f"hooks/{name} is not executable"
