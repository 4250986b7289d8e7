"""Command line: python -m pipelines publish {publish,scan,quarantine} (paths from KTP_* settings).

Exit codes: 0 done, 1 personal data found / publication refused, 2 usage, 3 injected fault.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipelines.lib.publish.errors import PublishError
from pipelines.lib.publish.pii_scan import scan_for_pii
from pipelines.lib.publish.publisher import publish_marts
from pipelines.lib.publish.quarantine import export_quarantine
from pipelines.lib.publish.report import zones_of
from pipelines.lib.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines publish")
    sub = parser.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="publish the marts of KTP_WAREHOUSE at KTP_PUBLISH_DIR")
    pub.add_argument("--run-id", required=True)
    pub.add_argument("--code-list-version", required=True)
    pub.add_argument("--validation", default="{}", help="JSON object, or @file holding one")
    pub.add_argument("--mart", action="append", dest="marts", help="only this mart (repeatable)")
    pub.add_argument("--keep", type=int, default=3)
    pub.add_argument(
        "--with-report", action="store_true", help="also write the coverage report (report/) into the release"
    )
    scan = sub.add_parser("scan", help="scan a directory for personal data")
    scan.add_argument("directory", nargs="?", help="default: KTP_PUBLISH_DIR")
    quar = sub.add_parser("quarantine", help="write the masked quarantine reports to KTP_REPORTS_DIR")
    quar.add_argument("--snapshot", action="append", dest="snapshots")
    args = parser.parse_args(argv)
    settings = Settings.from_env()

    if args.command == "publish":
        raw = args.validation
        validation = json.loads(Path(raw[1:]).read_text(encoding="utf-8") if raw.startswith("@") else raw)
        try:
            manifest = publish_marts(
                settings.warehouse,
                settings.publish_dir,
                run_id=args.run_id,
                code_list_version=args.code_list_version,
                validation=validation,
                marts=args.marts,
                keep=args.keep,
                report_zones=zones_of(settings) if args.with_report else None,
            )
        except PublishError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
        return 0
    if args.command == "scan":
        findings = scan_for_pii(Path(args.directory) if args.directory else settings.publish_dir)
        for finding in findings:
            print(finding)
        return 1 if findings else 0
    for path in export_quarantine(settings.warehouse, settings.reports_dir, snapshots=args.snapshots):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
