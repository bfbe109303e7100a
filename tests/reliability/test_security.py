"""Security: no network when offline, no token in any output, nothing written into the linted
repository, and no code from a config or a model repository ever runs."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest
from reliability_helpers import assert_clean_exit, lint

import lora_lint.models.resolve as resolve_mod

FAKE_TOKEN = "hf_FAKEtokenForTests0123456789abcdefXYZ"
UNKNOWN = "some-org/model-that-is-not-in-the-catalogue"


class NetworkLog:
    """Records every attempt to reach the network and refuses it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def refuse(self, what: str) -> object:
        def deny(*args: object, **kwargs: object) -> object:
            self.calls.append(what)
            raise OSError(f"network blocked by the test ({what})")

        return deny


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> NetworkLog:
    log = NetworkLog()
    monkeypatch.setattr(socket.socket, "connect", log.refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", log.refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", log.refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", log.refuse("socket.getaddrinfo"))
    return log


def go_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not offline, for lora-lint and for huggingface_hub (which reads HF_HUB_OFFLINE at import)."""
    import huggingface_hub.constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


def _config(folder: Path, model: str, name: str = "adapter.yaml") -> Path:
    path = folder / name
    path.write_text(f"base_model_name_or_path: {model}\nr: 8\ntarget_modules: [q_proj]\npeft_type: LORA\n")
    return path


def test_offline_flag_makes_no_network_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: NetworkLog
) -> None:
    go_online(monkeypatch)  # only the flag protects
    monkeypatch.setattr(resolve_mod, "_from_hub", network.refuse("resolve._from_hub"))
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", network.refuse("hf_hub_download"))
    monkeypatch.setattr(huggingface_hub, "get_hf_file_metadata", network.refuse("get_hf_file_metadata"))
    _config(tmp_path, UNKNOWN)
    _config(tmp_path, "gpt2", "known.yaml")
    run = lint(".", "--offline", "--isolated", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    assert network.calls == []
    unresolved = [d for d in run.diagnostics if d["code"] == "LL009"]
    assert len(unresolved) == 1 and "offline, so the hub was not asked" in unresolved[0]["message"]


def test_hf_hub_offline_env_alone_makes_no_network_call(tmp_path: Path, network: NetworkLog) -> None:
    _config(tmp_path, UNKNOWN)
    run = lint("adapter.yaml", "--isolated", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    assert network.calls == []


def test_network_failure_is_a_prompt_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: NetworkLog
) -> None:
    """Online, an unreachable hub is one LL009, not ~25 s of retries logged to stderr."""
    go_online(monkeypatch)
    _config(tmp_path, UNKNOWN)
    run = lint("adapter.yaml", "--isolated", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    assert network.calls, "the hub should have been tried when not offline"
    [diag] = [d for d in run.diagnostics if d["code"] == "LL009"]
    assert UNKNOWN in diag["message"] and "cannot reach the hub" in diag["message"]
    assert "Retrying" not in run.err and "Traceback" not in run.err


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
@pytest.mark.parametrize("online", [False, True], ids=["offline", "online-blocked"])
def test_token_never_appears(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    network: NetworkLog,
    cache_root: Path,
    fmt: str,
    online: bool,
) -> None:
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", FAKE_TOKEN)
    args = ["adapter.yaml", "--isolated", "--format", fmt, "--debug"]
    if online:
        go_online(monkeypatch)
    else:
        args.append("--offline")
    _config(tmp_path, UNKNOWN)
    run = lint(*args, cwd=tmp_path)
    assert_clean_exit(run)
    assert UNKNOWN in run.out
    assert FAKE_TOKEN not in run.out + run.err
    for path in [*cache_root.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file():
            assert FAKE_TOKEN.encode() not in path.read_bytes(), path


def test_token_in_a_library_error_is_scrubbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if the hub client put the token into its error text, the diagnostic would not show it."""
    go_online(monkeypatch)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)

    def leaky(model_id: str, revision: str | None) -> Path:
        raise OSError(f"401 for https://huggingface.co/{model_id} with Authorization: Bearer {FAKE_TOKEN}")

    monkeypatch.setattr(resolve_mod, "_from_hub", leaky)
    _config(tmp_path, UNKNOWN)
    run = lint("adapter.yaml", "--isolated", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    assert "Bearer ***" in run.out and FAKE_TOKEN not in run.out


def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink() or not path.is_file():
            out[key] = (-1, "dir" if path.is_dir() else "other")
        else:
            info = path.stat()
            out[key] = (info.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def _remote_code_repo(root: Path, canary: Path, model_type: str = "canary-arch") -> Path:
    """A local model folder whose config.json points at Python files that would write the canary."""
    model = root / "models" / "custom"
    model.mkdir(parents=True)
    (model / "config.json").write_text(
        json.dumps(
            {
                "model_type": model_type,
                "architectures": ["CanaryForCausalLM"],
                "auto_map": {
                    "AutoConfig": "configuration_canary.CanaryConfig",
                    "AutoModelForCausalLM": "modeling_canary.CanaryForCausalLM",
                },
                "hidden_size": 64,
                "intermediate_size": 128,
                "num_attention_heads": 4,
                "num_key_value_heads": 4,
                "num_hidden_layers": 2,
                "vocab_size": 128,
            }
        )
    )
    payload = f"open({str(canary)!r}, 'w').write('remote code ran')\n"
    for name in ("configuration_canary.py", "modeling_canary.py", "__init__.py"):
        (model / name).write_text(payload)
    (root / "train.yaml").write_text(
        "base_model: ./models/custom\ntrust_remote_code: true\nadapter: lora\n"
        "lora_r: 8\nlora_alpha: 16\nlora_target_modules: [q_proj]\n"
    )
    (root / "adapter_config.json").write_text(
        json.dumps(
            {
                "base_model_name_or_path": "./models/custom",
                "peft_type": "LORA",
                "r": 8,
                "target_modules": ["q_proj"],
            }
        )
    )
    return model


def test_remote_code_never_runs_without_the_flag(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    repo = tmp_path / "repo"
    _remote_code_repo(repo, canary)
    run = lint(".", "--offline", "--isolated", "--format", "json", cwd=repo)
    assert_clean_exit(run)
    assert not canary.exists(), "code from the model repository ran"
    # `trust_remote_code: true` in the axolotl config does not enable anything
    assert run.codes().count("LL010") == 2, run.diagnostics
    assert not list(repo.rglob("__pycache__"))


def test_the_flag_is_what_runs_repository_code(tmp_path: Path) -> None:
    """With --trust-remote-code (command line only) the local folder's code is imported: the canary
    proves it is the flag, and nothing else, that allows it; a failing import is a diagnostic."""
    canary = tmp_path / "CANARY"
    repo = tmp_path / "repo"
    _remote_code_repo(repo, canary)
    run = lint(".", "--offline", "--isolated", "--format", "json", "--trust-remote-code", cwd=repo)
    assert_clean_exit(run)
    assert canary.exists()
    assert "LL010" not in run.codes() and "repository code" in run.out


def test_known_architecture_with_auto_map_uses_transformers_code(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    repo = tmp_path / "repo"
    _remote_code_repo(repo, canary, model_type="llama")
    run = lint("adapter_config.json", "--offline", "--isolated", "--format", "json", cwd=repo)
    assert_clean_exit(run)
    assert not canary.exists()
    configs = json.loads(run.out)["files"][0]["configs"]
    assert configs[0]["model_source"] == "local" and len(configs[0]["modules"]) == 2


def test_linting_writes_nothing_into_the_repository(tmp_path: Path, cache_root: Path) -> None:
    canary = tmp_path / "CANARY"
    repo = tmp_path / "repo"
    _remote_code_repo(repo, canary)
    (repo / "configs").mkdir()
    (repo / "configs" / "gpt2.yaml").write_text(
        "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, q_proj]\n"
    )
    (repo / "configs" / "broken.yaml").write_text("r: [8\n")
    (repo / "configs" / "dup.json").write_text(
        '{"base_model_name_or_path": "gpt2", "r": 8, "r": 4, "target_modules": ["c_attn"]}'
    )
    (repo / "configs" / "gpt2-local").mkdir()
    (repo / "configs" / "gpt2-local" / "config.json").write_text(
        json.dumps({"model_type": "gpt2", "n_layer": 2, "n_embd": 64, "n_head": 4, "vocab_size": 100})
    )
    (repo / "configs" / "local.yaml").write_text(
        "base_model_name_or_path: ./gpt2-local\nr: 8\ntarget_modules: [c_attn]\n"
    )
    (repo / "script.py").write_text(
        "from peft import LoraConfig\n"
        f"open({str(canary)!r}, 'w')\n"
        "config = LoraConfig(r=8, target_modules=['c_attn'])\n"
    )
    before = _snapshot(repo)
    for extra in ([], ["--include-python"], ["--format", "sarif", "--statistics"]):
        run = lint(".", "--offline", "--isolated", *extra, cwd=repo)
        assert_clean_exit(run)
    assert _snapshot(repo) == before
    assert not canary.exists()
    assert list((cache_root / "inventories").glob("*.json")), "the cache lives in the cache folder"


INJECTION = (
    "base_model_name_or_path: gpt2\nr: 8\n"
    'target_modules: ["c_attn", "x\\n::warning file=evil.py::injected", "\\e]0;pwned\\a"]\n'
)


def test_github_format_cannot_be_fed_workflow_commands(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(INJECTION)
    run = lint("a.yaml", "--offline", "--isolated", "--format", "github", cwd=tmp_path)
    assert_clean_exit(run)
    assert not [line for line in run.out.splitlines() if line.startswith("::warning file=evil.py")]


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_control_characters_from_a_config_are_escaped(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "a.yaml").write_text(INJECTION)
    run = lint("a.yaml", "--offline", "--isolated", "--format", fmt, cwd=tmp_path)
    assert_clean_exit(run)
    assert "\x1b" not in run.out and "\x07" not in run.out
    assert not [line for line in run.out.splitlines() if line.startswith("::warning file=evil.py")]
