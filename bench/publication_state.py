"""What a publication is, minus what differs between two runs of the same inputs: for crash checks.

Two publications of the same raw data by the same code must hold byte-identical mart files and the
same manifest once run ids, release names, times and the report's path (another deployment's) are left
out, and so is the digest of the coverage report's page, which names that path too. A release is read
through the link readers follow, so a half-swapped state would show here.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.lib.fsio import sha256_of

_VOLATILE = ("run_id", "release", "published_at")
_VOLATILE_VALIDATION = ("run_id", "report")
_VOLATILE_CHECK = ("run_id", "validated_at")


def file_hashes(publish_dir: Path) -> dict[str, str]:
    """sha256 of every file of the current release, by name (the manifest included)."""
    root = Path(publish_dir)
    return {p.name: sha256_of(p) for p in sorted(root.iterdir()) if p.is_file()}


def comparable_manifest(publish_dir: Path) -> dict:
    manifest = json.loads((Path(publish_dir) / "manifest.json").read_text(encoding="utf-8"))
    for key in _VOLATILE:
        manifest.pop(key, None)
    validation = manifest.get("validation", {})
    for key in _VOLATILE_VALIDATION:
        validation.pop(key, None)
    checks = [{k: v for k, v in c.items() if k not in _VOLATILE_CHECK} for c in validation.get("checks", [])]
    # Which dbt tests a build runs depends on what it had to do (the seeds' tests run only with the seeds'
    # first load), not on the publication: compare that they all passed.
    dbt_tests = [c for c in checks if c.get("check") == "dbt_test"]
    checks = [c for c in checks if c.get("check") != "dbt_test"]
    checks.append({"check": "dbt_test", "passed": all(c["passed"] for c in dbt_tests) if dbt_tests else None})
    validation["checks"] = sorted(checks, key=lambda c: json.dumps(c, sort_keys=True))
    report = manifest.get("report")
    if report:
        # The coverage report's page links to the deployment's Data Docs by absolute path (as
        # validation.report names it), so only its charts' PNGs are the same bytes in another one.
        report["files"] = [
            {k: v for k, v in f.items() if f["file"] != report["page"] or k == "file"}
            for f in report["files"]
        ]
    return manifest


def publication_state(publish_dir: Path) -> dict:
    """The marts' file hashes and the comparable manifest: equal for equal publications."""
    hashes = file_hashes(publish_dir)
    hashes.pop("manifest.json", None)
    return {"files": hashes, "manifest": comparable_manifest(publish_dir)}
