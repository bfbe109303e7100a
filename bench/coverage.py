"""Architecture coverage: for how many transformers model types can lora-lint build an inventory?

Every model type the installed transformers ships with a model class (it appears in one of the
``MODEL_*_MAPPING_NAMES`` tables) is built the way lora-lint builds a model it only knows by its
``model_type``: ``AutoConfig.for_model(model_type)`` defaults, on the meta device, through
``lora_lint.models.inventory.build``. The result table goes to docs/coverage.md.

Some types build only with optional packages (timm and Pillow for vision backbones, scipy for a
segmentation loss; timm needs torchvision, which needs the torch release it was built for; the
`vision` extra lists them). The docs hold two runs:

    # the test stack (torch 2.13 CPU, no timm): writes docs/coverage-minimal.md
    python bench/coverage.py --jobs 2 --out docs/coverage-minimal.md
    # with the vision packages: writes docs/coverage.md
    python -m venv /tmp/vision
    /tmp/vision/bin/pip install torch==2.14.1 torchvision==0.29.1 -e '.[vision]'
    /tmp/vision/bin/python bench/coverage.py --jobs 2
    # a few types, printed only
    python bench/coverage.py --only llama t5
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import multiprocessing
import platform
import sys
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
PER_TYPE_TIMEOUT_S = 120


def model_types() -> list[str]:
    from transformers.models.auto import modeling_auto
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    with_model: set[str] = set()
    for name in dir(modeling_auto):
        table = getattr(modeling_auto, name)
        if name.startswith("MODEL_") and name.endswith("_MAPPING_NAMES") and isinstance(table, dict):
            with_model |= set(table)
    return sorted(set(CONFIG_MAPPING_NAMES) & with_model)


class Result(NamedTuple):
    model_type: str
    ok: bool
    auto_class: str
    reason: str  # why it failed, or (when built with assumed values) why transformers could not build it
    modules: int
    seconds: float
    assumed: tuple[str, ...] = ()  # "where = value" for each value lora-lint filled (rule LL014)


def _one(model_type: str) -> Result:
    """What building one type's default config gave, in a worker."""
    import warnings

    from lora_lint.models.inventory import BuildError, build

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    try:
        built = build({"model_type": model_type}, model_type)
    except BuildError as exc:
        return Result(model_type, False, "", exc.message, 0, time.perf_counter() - start)
    except Exception as exc:  # a crash lora-lint itself would turn into a diagnostic
        return Result(
            model_type, False, "", f"{type(exc).__name__}: {exc}"[:300], 0, time.perf_counter() - start
        )
    inv = built.inventory
    assumed = tuple(f"{c.where} = {json.dumps(c.value)}" for c in inv.assumed)
    seconds = time.perf_counter() - start
    return Result(model_type, True, inv.auto_class, inv.build_problem, len(inv.modules), seconds, assumed)


def _reason(text: str) -> str:
    low = text.lower()
    if any(word in low for word in ("requires", "install", "no module named")):
        return "needs an optional package"
    if "no model class" in low:
        return "no model class for the default config"
    return "default config cannot be built"


def run(types: list[str], jobs: int) -> list[Result]:
    results: list[Result] = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, maxtasksperchild=40) as pool:
        pending = [(t, pool.apply_async(_one, (t,))) for t in types]
        for model_type, job in pending:
            try:
                results.append(job.get(timeout=PER_TYPE_TIMEOUT_S))
            except multiprocessing.TimeoutError:
                results.append(
                    Result(model_type, False, "", f"timed out after {PER_TYPE_TIMEOUT_S} s", 0, 0.0)
                )
            except Exception as exc:
                results.append(Result(model_type, False, "", f"worker failed: {exc}"[:300], 0, 0.0))
            print(
                f"{len(results)}/{len(types)} {results[-1][0]}: {'ok' if results[-1][1] else 'FAILED'}",
                file=sys.stderr,
            )
    return results


OPTIONAL = ("timm", "Pillow", "torchvision", "scipy", "natten", "detectron2", "torchaudio")


def _optional_installed() -> dict[str, str]:
    found = {}
    for name in OPTIONAL:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    return found


def render(results: list[Result], seconds: float) -> str:
    from lora_lint.report.versions import tools

    versions = tools()
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    completed = [r for r in ok if r.assumed]
    share = 100 * len(ok) / len(results) if results else 0.0
    needs_package = sum(1 for r in failed if _reason(r.reason) == "needs an optional package")
    buildable = len(results) - needs_package
    share_installed = 100 * len(ok) / buildable if buildable else 0.0
    optional = _optional_installed()
    missing = [name for name in OPTIONAL if name not in optional]
    extras = ", ".join(f"{k} {v}" for k, v in optional.items()) or "none"
    lines = [
        "# Architecture coverage" + (" (no timm, no Pillow)" if "timm" not in optional else ""),
        "",
        "Generated by `python bench/coverage.py`; do not edit by hand.",
        "",
        (
            f"lora-lint builds an inventory for **{len(ok)} of {len(results)}** model types ({share:.1f}%) "
            f"that transformers {versions['transformers']} ships with a model class, each from its "
            "`AutoConfig.for_model(model_type)` defaults on the meta device (the target is 95%)."
        ),
        "",
        (
            f"{len(ok) - len(completed)} build as written. {len(completed)} are defaults that transformers itself "
            "cannot build (a value left unset that the model code reads); lora-lint fills that value by "
            "transformers' usual convention, builds, and reports rule LL014 with what it assumed (column "
            "*assumed*)."
        ),
        "",
        (
            f"{needs_package} of the {len(failed)} failures need a package that is not installed "
            f"({', '.join(missing) or 'none'} missing here: transformers itself refuses to build them); "
            f"without those types the share is {share_installed:.1f}%. The rest are default configs that "
            "transformers cannot instantiate and no convention completes (a size with no default, a "
            "default that fails its own checks); a real config.json for such a model usually builds."
        ),
        "",
        (
            f"Stack: torch {versions['torch']}, transformers {versions['transformers']}, "
            f"peft {versions['peft']}, Python {platform.python_version()}; optional packages: {extras}; "
            f"{seconds:.0f} s in all."
        ),
        "",
        "## Types that cannot be built, and why",
        "",
        "| model_type | why | lora-lint's diagnostic |",
        "|---|---|---|",
    ]
    for r in failed:
        text = " ".join(r.reason.split()).replace("|", "\\|")
        lines.append(f"| `{r.model_type}` | {_reason(r.reason)} | {text[:240]} |")
    lines += [
        "",
        "## Types built",
        "",
        "| model_type | auto class | modules | assumed |",
        "|---|---|---|---|",
    ]
    for r in ok:
        assumed = "; ".join(f"`{a}`" for a in r.assumed).replace("|", "\\|")
        lines.append(f"| `{r.model_type}` | {r.auto_class} | {r.modules} | {assumed} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="just these model types (printed, docs not written)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--out", default=str(REPO / "docs" / "coverage.md"))
    args = parser.parse_args(argv)
    types = args.only or model_types()
    start = time.perf_counter()
    results = run(types, args.jobs)
    text = render(results, time.perf_counter() - start)
    if args.only:
        sys.stdout.write(text)
        return 0
    Path(args.out).write_text(text, encoding="utf-8")
    ok = sum(1 for r in results if r.ok)
    print(f"{ok}/{len(results)} built ({100 * ok / max(len(results), 1):.1f}%); wrote {args.out}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
