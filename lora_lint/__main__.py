from __future__ import annotations

from lora_lint.cli import main

raise SystemExit(main())
