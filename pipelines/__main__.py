"""The command line, one entry point: `python -m pipelines <command> [options]`.

    run        the main job (`make run`): land, build, check, publish, write the reports
    validate   one GX suite against the warehouse, by hand
    publish    the publication's parts by hand: publish, scan (the PII scan), quarantine

`python -m pipelines <command> --help` lists each command's options.
"""

from __future__ import annotations

import sys

COMMANDS = {
    "run": "pipelines.cli.run",
    "validate": "pipelines.cli.validate",
    "publish": "pipelines.cli.publish",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr if argv else sys.stdout)
        return 2 if argv and argv[0] not in ("-h", "--help") else 0
    import importlib

    # Imported only when asked for: `run` must start fast when nothing changed.
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
