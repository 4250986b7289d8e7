"""What a re-run may skip because nothing it depends on has changed.

Landing skips unchanged files and the incremental dbt models rebuild only what changed, but launching a
Dagster run, starting dbt and the GX context costs seconds even when there is nothing to do. The
headless run asks here first, reading only the landing records and the warehouse (read-only):

- every file of the raw directory is the one landed (same size and modification time as landed, or
  else the same sha256), its landed rows are intact, and nothing is landed that left the raw directory;
- the warehouse judged exactly those landings, and the publish gate is open (every file and snapshot
  passed its checks after its last change, no file refused);
- the fingerprint of everything the marts depend on (the judged files, the code, the dbt project, the
  suites, the thresholds) equals the one recorded in the current publication's manifest;
- the audit reports were made for that publication (pipelines/lib/publish/report_stamp.py): a run killed
  after the swap and before the reports left the previous run's listings, which must be rewritten.
"""

from __future__ import annotations

import duckdb

from pipelines.lib.fingerprint import files_under, fingerprint
from pipelines.lib.ingest.discovery import Inventory
from pipelines.lib.ingest.landing import FILE_RECORD, intact, landed_sha256, partition_dir, plan, read_record
from pipelines.lib.publish import gate, report_stamp
from pipelines.lib.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, REPO_ROOT, Settings
from pipelines.lib.warehouse import connect

_CODE_ROOTS = [
    # *.j2: the coverage report's page template, published with the marts
    (REPO_ROOT / "pipelines", ("*.py", "*.sql", "*.j2")),
    (DBT_PROJECT_DIR / "models", ("*.sql", "*.yml", "*.md")),
    (DBT_PROJECT_DIR / "macros", ("*.sql",)),
    (DBT_PROJECT_DIR / "tests", ("*.sql",)),
    (DBT_PROJECT_DIR / "seeds", ("*.csv", "*.yml")),
    (EXPECTATIONS_DIR, ("*.json", "*.yml")),
]
_CODE_FILES = [
    DBT_PROJECT_DIR / "dbt_project.yml",
    DBT_PROJECT_DIR / "profiles.yml",
    # the district boundaries drawn on the coverage report's map
    REPO_ROOT / "docs" / "reference" / "kaltara_districts.geojson",
    # copied beside the dbt docs, whose overview links to it
    REPO_ROOT / "docs" / "extract-contract.md",
]
# Generated beside the code, not written: Dagster's local state, Python's byte code.
_NOT_CODE = (".local_defs_state", "__pycache__")


def landed_files(settings: Settings, inventory: Inventory) -> list[str] | None:
    """`snapshot|regency|sha256|landed at` of every file when each is the one landed, else None."""
    work, unassigned = plan(inventory)
    if unassigned:
        return None  # refused files: the run must say so and fail
    out = []
    wanted = set()
    for item in work:
        if item.extract is None or item.problems:
            return None
        part = partition_dir(settings.landing_dir, item.snapshot.isoformat(), item.extract.regency_code)
        wanted.add(part)
        record = read_record(part / FILE_RECORD)
        if landed_sha256(record, item.extract, item.extract.path.stat()) is None or intact(part, record):
            return None
        landed_at = record["landed_at"].isoformat()
        out.append(f"{item.snapshot.isoformat()}|{item.extract.regency_code}|{record['sha256']}|{landed_at}")
    landed = {p for p in settings.landing_dir.glob("snapshot_date=*/regency_code=*")}
    landed = {p for p in landed if (p / FILE_RECORD).exists() and read_record(p / FILE_RECORD) is not None}
    if landed != wanted:
        return None
    return sorted(out)


def judged_files(conn: duckdb.DuckDBPyConnection, *, landings: bool = False) -> list[str]:
    """`snapshot|regency|sha256` of every file the warehouse holds: what a publication was made from;
    with `landings`, also which landing of it was judged (`|landed at`)."""
    rows = conn.execute(
        "select snapshot_date::varchar, regency_code, sha256, landed_at from ingest.files"
    ).fetchall()
    return sorted(f"{s}|{r}|{sha}" + (f"|{at.isoformat()}" if landings else "") for s, r, sha, at in rows)


def is_current(settings: Settings, inventory: Inventory) -> bool:
    """True when the current publication was made from exactly this raw directory and this code."""
    landed = landed_files(settings, inventory)
    if landed is None or not settings.warehouse.exists():
        return False
    if not report_stamp.reports_current(settings):
        return False
    published = published_fingerprint(settings)
    if published is None:
        return False
    try:
        with connect(settings, read_only=True) as conn:
            verdict = gate.evaluate(conn, gate.current_rules(settings))
            if not verdict.open or judged_files(conn, landings=True) != landed:
                return False
            judged = judged_files(conn)
    except duckdb.Error:
        return False
    return published == inputs_fingerprint(settings, judged)


def inputs_fingerprint(settings: Settings, files: list[str]) -> str:
    code = [path for root, patterns in _CODE_ROOTS for path in files_under(root, patterns, skip=_NOT_CODE)]
    inputs = {
        "files": sorted(files),
        "engine": settings.engine,
        "dbt_vars": settings.dbt_vars(),
        "max_reject_rate": settings.max_reject_rate,
        "outlier_z": settings.outlier_z,
        "population_tolerance": settings.population_tolerance,
    }
    return fingerprint([*code, *_CODE_FILES], relative_to=REPO_ROOT, values=inputs)


def published_fingerprint(settings: Settings) -> str | None:
    return report_stamp.publication_of(report_stamp.current_manifest(settings))[1]
