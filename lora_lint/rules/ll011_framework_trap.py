"""LL011 framework-trap: the framework will do something other than what the file appears to say.

What it does
    Reports what a fine-tuning framework does to the LoRA settings before (or instead of) PEFT,
    where that differs from what the file seems to ask for. Each framework adapter models its
    framework's transforms and records these cases; among them:

    * TRL turns a one-element ``lora_target_modules`` list into a plain string, which PEFT
      full-matches as a regex: ``[q_proj]`` alone matches nothing;
    * torchtune ignores ``lora_attn_modules`` names outside its vocabulary (``o_proj`` instead
      of ``output_proj``) without a word;
    * mlx-lm matches ``lora_parameters.keys`` exactly against paths inside each block; a wrong key
      trains 0% of the model, silently;
    * axolotl's ``lora_target_linear`` and LLaMA-Factory's ``lora_target: all`` run their own
      scan of ``nn.Linear`` layers: it finds nothing on GPT-2 (``Conv1D``), and axolotl's
      last-name-part list pulls vision-tower layers into a vision-language model;
    * LLaMA-Factory's substring matching on vision-language models, TRL without ``use_peft``,
      litgpt with every switch off, non-LoRA PEFT files skipped (info).

Why is this bad
    The file reads as if it trains one set of layers; the framework trains another, or nothing,
    and says so late or never.

Example
    # TRL / alignment-handbook
    model_name_or_path: mistralai/Mistral-7B-v0.1
    use_peft: true
    lora_target_modules: [q_proj]

Use instead
    lora_target_modules: [q_proj, v_proj]     # or the regex string '.*\\.q_proj'
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.rules.context import RuleContext

CODE = "LL011"
NAME = "framework-trap"
SEVERITY = Severity.WARNING
SUMMARY = "the framework transforms the LoRA settings into something other than the file appears to say"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for note in ctx.spec.notes:
        if note.span is not None:
            span = note.span
        elif note.path is not None:
            span = ctx.doc.span(note.path)
        else:
            span = ctx.doc.span(ctx.spec.location)
        yield ctx.report(CODE, span, note.message, note.help, note.severity)
