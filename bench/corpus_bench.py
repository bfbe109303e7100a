"""Time lora-lint cold and warm over the shared corpus against the PEFT baseline, side by side.

    python bench/corpus_bench.py            # writes docs/benchmarks.md
    python bench/corpus_bench.py --no-write # prints the table only

Every run is a separate process, measured from outside: wall time, CPU time (user + sys) and peak
resident memory come from ``os.wait4`` on the child. The corpus's base models resolve offline from
a Hugging Face cache folder made from shared/model-configs (what a user who has the config.json
files cached has), so nothing touches the network.

* lora-lint cold: an empty lora-lint cache (``LORA_LINT_CACHE_DIR``), the whole corpus.
* lora-lint warm: the same command again (median of several runs).
* baseline: bench/baseline_peft.py, one process that, per config lora-lint predicted, builds the
  model on the meta device and calls ``get_peft_model`` (what a careful user would script).
* a single small config (GPT-2 from the bundled catalogue), warm; and the peak memory of a
  Llama-70B-sized and a Mixtral-8x7B-sized model, all-linear, cold.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FAKE_COMMIT = "0" * 40

LLAMA_70B = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 8192,
    "intermediate_size": 28672,
    "num_hidden_layers": 80,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
    "vocab_size": 128256,
    "max_position_embeddings": 8192,
}
MIXTRAL_8X7B = {
    "model_type": "mixtral",
    "architectures": ["MixtralForCausalLM"],
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "num_local_experts": 8,
    "num_experts_per_tok": 2,
    "vocab_size": 32000,
}


@dataclass
class Run:
    label: str
    wall: float
    cpu: float
    peak_mb: float
    rc: int
    stdout: str


def measure(label: str, argv: list[str], env: dict[str, str]) -> Run:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return Run(label, wall, usage.ru_utime + usage.ru_stime, peak_mb, proc.returncode, text)


def hub_cache(root: Path) -> int:
    """A Hugging Face hub cache folder holding shared/model-configs' config.json files."""
    index = (SHARED / "model-configs" / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    header = index[0].split("\t")
    made = 0
    for line in index[1:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        source = SHARED / "model-configs" / row["file"]
        if not source.is_file():
            continue
        for model_id in {row.get("model_id", ""), row.get("alias_of", "")}:
            if not model_id:
                continue
            folder = root / ("models--" + model_id.replace("/", "--"))
            snapshot = folder / "snapshots" / FAKE_COMMIT
            snapshot.mkdir(parents=True, exist_ok=True)
            (folder / "refs").mkdir(exist_ok=True)
            (folder / "refs" / "main").write_text(FAKE_COMMIT)
            shutil.copyfile(source, snapshot / "config.json")
            made += 1
    return made


def make_plan(out: str) -> int:
    """(Child mode) lint the corpus warm and write what the baseline must do for each prediction."""
    from lora_lint.discover import discover
    from lora_lint.extract import extract
    from lora_lint.lint import Session, Settings, lint_spec
    from lora_lint.load import LoadError, load_path

    session = Session(Settings(offline=True))
    plan: list[dict[str, Any]] = []
    for path in discover([str(SHARED / "corpus")]):
        try:
            documents = load_path(path)
        except LoadError:
            documents = []
        for doc in documents:
            for spec in extract(doc):
                result, _ = lint_spec(spec, path, session)
                pred, resolved, built = result.prediction, result.resolved, result.built
                if pred is None or resolved is None or resolved.config is None or built is None:
                    continue
                plan.append(
                    {
                        "id": f"{path}#{spec.pointer}",
                        "config": resolved.config,
                        "auto_class": built.inventory.auto_class,
                        "kwargs": spec.kwargs(),
                        "task_type": spec.task_type,
                        "lint": {"trainable": pred.trainable, "total": pred.total, "ok": pred.ok},
                    }
                )
    Path(out).write_text(json.dumps(plan, default=str), encoding="utf-8")
    return 0


def configs_in(report: str) -> tuple[int, int]:
    data = json.loads(report)
    configs = [c for f in data["files"] for c in f["configs"]]
    return len(configs), sum(1 for c in configs if c["engine"] is not None)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    from lora_lint.report.versions import tools

    v = tools()
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.platform()}; Python {platform.python_version()}; "
        f"torch {v['torch']}, transformers {v['transformers']}, peft {v['peft']}, lora-lint {v['lora_lint']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--make-plan", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.make_plan:
        return make_plan(args.make_plan)
    if not (SHARED / "corpus").is_dir():
        print(f"no corpus at {SHARED / 'corpus'}", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="lora-lint-bench-"))
    load_before = os.getloadavg()
    try:
        hub = work / "hub"
        hub_cache(hub)
        env = dict(os.environ)
        env.update(
            HF_HUB_CACHE=str(hub),
            HF_HUB_OFFLINE="1",
            LORA_LINT_CACHE_DIR=str(work / "lora-lint-cache"),
            TRANSFORMERS_VERBOSITY="error",
        )
        env.pop("HF_HOME", None)
        # Byte-code as an installed package has it: compiled once (into a private folder), then reused.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        lint = [sys.executable, "-m", "lora_lint", "--offline", "--format", "json", "--exit-zero"]
        corpus = str(SHARED / "corpus")
        # Untimed warm-up: byte-code for lora-lint, torch, transformers, peft and the model classes.
        measure("warm-up", [*lint, "--exact", corpus], {**env, "LORA_LINT_CACHE_DIR": str(work / "warm-up")})

        cold = measure("lora-lint, cold (empty cache)", [*lint, corpus], env)
        warm_runs = [measure("lora-lint, warm", [*lint, corpus], env) for _ in range(args.warm_runs)]
        warm = sorted(warm_runs, key=lambda r: r.wall)[len(warm_runs) // 2]
        exact = measure("lora-lint --exact, warm inventory", [*lint, "--exact", corpus], env)
        total_configs, predicted = configs_in(cold.stdout)
        assert configs_in(warm.stdout) == (total_configs, predicted)

        plan_path = work / "plan.json"
        subprocess.run(
            [sys.executable, __file__, "--make-plan", str(plan_path)], env=env, check=True, cwd=REPO
        )
        plan = json.loads(plan_path.read_text())
        (work / "plan-head.json").write_text(json.dumps(plan[:3]))
        measure(
            "warm-up",
            [sys.executable, str(REPO / "bench" / "baseline_peft.py"), str(work / "plan-head.json")],
            env,
        )
        baseline = measure(
            "baseline: meta build + get_peft_model per config",
            [sys.executable, str(REPO / "bench" / "baseline_peft.py"), str(plan_path)],
            env,
        )
        answers = [json.loads(line) for line in baseline.stdout.splitlines() if line.startswith("{")]
        agree = sum(
            1
            for item, found in zip(plan, answers, strict=False)
            if (item["lint"]["ok"] and found.get("trainable") == item["lint"]["trainable"])
            or (not item["lint"]["ok"] and "error" in found)
        )

        # One small config, warm.
        small = work / "small"
        small.mkdir()
        (small / "adapter_config.json").write_text(
            json.dumps(
                {
                    "peft_type": "LORA",
                    "base_model_name_or_path": "gpt2",
                    "r": 8,
                    "lora_alpha": 16,
                    "target_modules": ["c_attn", "c_proj"],
                    "task_type": "CAUSAL_LM",
                }
            )
        )
        single_env = {**env, "LORA_LINT_CACHE_DIR": str(work / "single-cache")}
        single_cold = measure("single small config, cold", [*lint, str(small)], single_env)
        singles = [measure("single small config, warm", [*lint, str(small)], single_env) for _ in range(7)]
        single = sorted(singles, key=lambda r: r.wall)[len(singles) // 2]

        # Big models: peak memory.
        big_runs: list[Run] = []
        for name, config in (("Llama-70B-sized", LLAMA_70B), ("Mixtral-8x7B-sized", MIXTRAL_8X7B)):
            folder = work / name
            (folder / "model").mkdir(parents=True)
            (folder / "model" / "config.json").write_text(json.dumps(config))
            (folder / "adapter_config.json").write_text(
                json.dumps(
                    {
                        "peft_type": "LORA",
                        "base_model_name_or_path": "./model",
                        "r": 16,
                        "lora_alpha": 32,
                        "target_modules": "all-linear",
                        "task_type": "CAUSAL_LM",
                    }
                )
            )
            big_env = {**env, "LORA_LINT_CACHE_DIR": str(work / f"{name}-cache")}
            big_runs.append(measure(f"{name}, all-linear, cold", [*lint, str(folder)], big_env))
            big_runs.append(measure(f"{name}, all-linear, warm", [*lint, str(folder)], big_env))
            big_runs.append(
                measure(
                    f"{name}, all-linear, --exact --no-cache",
                    [*lint, "--exact", "--no-cache", str(folder)],
                    big_env,
                )
            )
            engine = json.loads(big_runs[-3].stdout)["files"][0]["configs"][0]["engine"]
            big_runs[-3].label += f" (engine: {engine})"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()

    text = render(
        cold=cold,
        warm=warm,
        warm_all=warm_runs,
        exact=exact,
        baseline=baseline,
        single_cold=single_cold,
        single=single,
        singles=singles,
        big=big_runs,
        total_configs=total_configs,
        predicted=predicted,
        planned=len(plan),
        agree=agree,
        load=(load_before, load_after),
    )
    print(text)
    if not args.no_write:
        (REPO / "docs" / "benchmarks.md").write_text(text, encoding="utf-8")
        print(f"wrote {REPO / 'docs' / 'benchmarks.md'}", file=sys.stderr)
    return 0


def render(**m: Any) -> str:
    cold, warm, baseline, single = m["cold"], m["warm"], m["baseline"], m["single"]

    def row(run: Run, configs: str) -> str:
        return f"| {run.label} | {run.wall:.2f} | {run.cpu:.2f} | {run.peak_mb:.0f} | {configs} |"

    warm_walls = ", ".join(f"{r.wall:.2f}" for r in m["warm_all"])
    single_walls = ", ".join(f"{r.wall:.2f}" for r in m["singles"])
    speedup = baseline.wall / warm.wall if warm.wall else float("inf")
    cpu_speedup = baseline.cpu / warm.cpu if warm.cpu else float("inf")
    cold_ratio = cold.wall / baseline.wall if baseline.wall else float("inf")
    big_peak = max((r.peak_mb for r in m["big"]), default=0.0)

    def verdict(wall_ok: bool, cpu_ok: bool) -> str:
        if wall_ok:
            return "met"
        return "**missed** on wall time, met on CPU time" if cpu_ok else "**missed**"

    lines = [
        "# Benchmarks",
        "",
        "Generated by `python bench/corpus_bench.py` (see its docstring); rerun it to refresh this page.",
        "",
        f"Machine: {machine()}.",
        (
            f"Load average (1/5/15 min) before: {'/'.join(f'{x:.1f}' for x in m['load'][0])}, after: "
            f"{'/'.join(f'{x:.1f}' for x in m['load'][1])}. The machine is shared, so wall times carry noise; "
            "CPU time (user + sys of the process) is the steadier figure."
        ),
        "",
        (
            f"The corpus ({SHARED.name}/corpus) holds {m['total_configs']} LoRA configs lora-lint recognises; "
            f"{m['predicted']} resolve to a base model offline (from a Hugging Face cache folder made from "
            f"{SHARED.name}/model-configs) and get a prediction. The baseline runs those {m['planned']}; "
            f"its counts agree with lora-lint's on {m['agree']} of them."
        ),
        "",
        "## Corpus",
        "",
        "| run | wall s | CPU s | peak RSS MB | configs |",
        "|---|---:|---:|---:|---|",
        row(cold, f"{m['total_configs']} (predicted {m['predicted']})"),
        row(warm, f"{m['total_configs']} (median of {len(m['warm_all'])}: {warm_walls})"),
        row(m["exact"], f"{m['total_configs']} (PEFT for every prediction)"),
        row(baseline, str(m["planned"])),
        "",
        (
            f"Baseline / warm: **{speedup:.1f}x** wall, {cpu_speedup:.1f}x CPU. Cold / baseline: "
            f"{cold_ratio:.2f} (wall)."
        ),
        "",
        "## One small config and big models",
        "",
        "| run | wall s | CPU s | peak RSS MB | |",
        "|---|---:|---:|---:|---|",
        row(m["single_cold"], "GPT-2, catalogue"),
        row(single, f"median of {len(m['singles'])}: {single_walls}"),
        *[row(r, "") for r in m["big"]],
        "",
        "## Targets (issue 4)",
        "",
        "| target | wall | CPU | |",
        "|---|---|---|---|",
        f"| warm corpus run < 2 s | {warm.wall:.2f} s | {warm.cpu:.2f} s | {verdict(warm.wall < 2, warm.cpu < 2)} |",
        (
            f"| warm corpus run >= 30x faster than the baseline | {speedup:.1f}x | {cpu_speedup:.1f}x | "
            f"{verdict(speedup >= 30, cpu_speedup >= 30)} |"
        ),
        (
            f"| cold run no slower than the baseline | {cold.wall:.2f} s vs {baseline.wall:.2f} s | "
            f"{cold.cpu:.2f} s vs {baseline.cpu:.2f} s | "
            f"{verdict(cold.wall <= baseline.wall, cold.cpu <= baseline.cpu)} |"
        ),
        (
            f"| peak memory < 1.5 GB for a 70B / Mixtral-sized model | {big_peak:.0f} MB (peak RSS, any run) | | "
            f"{verdict(big_peak < 1536, big_peak < 1536)} |"
        ),
        (
            f"| warm single small config < 0.3 s | {single.wall:.2f} s | {single.cpu:.2f} s | "
            f"{verdict(single.wall < 0.3, single.cpu < 0.3)} |"
        ),
        "",
        "## Reproduce",
        "",
        "```",
        "python bench/corpus_bench.py          # writes docs/benchmarks.md",
        "python bench/coverage.py --jobs 2 --out docs/coverage-minimal.md  # architecture coverage, test stack",
        "python bench/coverage.py --jobs 2     # with the vision extra installed: docs/coverage.md (see its docstring)",
        "```",
        "",
        "The corpus and model configs are read from `../shared` next to the repository.",
        "",
        "## Why warm runs are cheap",
        "",
        (
            "* **Inventory cache.** The first run that meets a model builds it on the meta device and writes its "
            "inventory (module names, classes, shapes, wrappable flags, tied and shared parameters, output "
            "embedding, fused-expert parameters) to `$LORA_LINT_CACHE_DIR`, else `$XDG_CACHE_HOME/lora-lint`, "
            "else `~/.cache/lora-lint`. The key is the resolved config.json's content, the auto class, the task "
            "type and the versions of torch, transformers, peft and lora-lint, so upgrading any of them rebuilds. "
            "Hub and Hugging Face cache config.json files (and catalogue answers) are kept there too, so a second "
            "run needs no network and does not import huggingface_hub. Writes are atomic (temporary file + rename); "
            "an unreadable entry is ignored and rebuilt. `--no-cache` bypasses it; `lora-lint cache info` and "
            "`lora-lint cache clear` show and empty it."
        ),
        (
            "* **Pure-Python matcher.** On the cached inventory, `lora_lint/predict/pure.py` re-does PEFT's "
            "targeting and counting (list/regex/all-linear, exclude_modules, modules_to_save, layer selection, "
            "rank/alpha patterns, >= 20-name condensation, target_parameters, bias modes, DoRA, lora_bias) without "
            "importing torch, transformers or peft. tests/test_pure.py proves it equal to `get_peft_model` on "
            "generated cases over eight architectures and on every corpus config. What it does not re-implement "
            "(the transformers-v5 MoE rewrite for Mixtral/Qwen-MoE-style models, ensure_weight_tying, "
            "layer_replication, trainable_token_indices, init methods, variants, unknown fields) goes to PEFT "
            "automatically, and PEFT's answer is cached as well, so a warm run needs no torch for it either; "
            "`--exact` always uses PEFT. With a peft newer than the one it was proven against, "
            "every prediction uses PEFT and lora-lint says so once on stderr. The JSON report's `engine` field "
            "says which path answered (`pure` or `peft`)."
        ),
        (
            "* **Nothing heavy on the happy path.** A valid config never imports jsonschema: LL008 first asks "
            "`lora_lint/rules/_schema_check.py`, an exact check of the JSON Schema keywords its schema uses "
            "(tests/test_schema_check.py compares its verdict with jsonschema's on generated instances), and "
            "calls jsonschema, which words the errors, only for an invalid config. `tests/test_importtime.py` "
            "runs a warm lint under `python -X importtime` and fails if torch, transformers, peft or jsonschema "
            "is imported."
        ),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
