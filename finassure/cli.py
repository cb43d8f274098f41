"""The `finassure` console script: Django management commands, plus `finassure engine …` without Django."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "engine":
        # The engine is a library with its own CLI; it must run where Django is not configured (Spark executors).
        from finassure.engine.cli import main as engine_main

        return engine_main(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
