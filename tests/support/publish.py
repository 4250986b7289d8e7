"""Small warehouses for the publishing tests: a few marts tables and ingest.quarantine, all synthetic.

The ingest tables are the ones dbt builds (tests/support/ingest_tables.sql); ingest.quarantine is a view
of the rejected rows of ingest.judged_rows, so quarantined rows are written there.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.lib.settings import REPO_ROOT
from tests.support.ingest import add_judged_rows, create_ingest_tables, quarantine_as_judged_row

CODE_LIST = "Kepmendagri 300.2.2-2430/2025"
# Synthetic NIKs: Bulungan district codes, impossible sequence numbers.
NIK_A = "6501014107900001"
NIK_B = "6501025512850002"
KK_A = "6501010101200003"


def make_warehouse(path: Path, *, version: int = 1) -> Path:
    """Three marts; `version` changes the numbers so two publications differ byte-wise."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        con.execute("drop table if exists marts.coverage_regency")
        con.execute(
            f"""
            create table marts.coverage_regency as select * from (values
                (date '2025-06-30', '65.71', 'Kota Tarakan', '6571', 180000 + {version}, 91.25::decimal(6,2),
                 0.1234567890123456::double, true),
                (date '2025-03-31', '65.02', 'Malinau', '6502', 60000, 74.5::decimal(6,2),
                 85.33333333333333, false),
                (date '2025-06-30', '65.01', 'Bulungan, Kab.', '6501', 110000, 80.0::decimal(6,2),
                 12.5, null),
                (date '2025-03-31', '65.01', 'Bulungan, Kab.', '6501', 109000 + {version}, 79.0::decimal(6,2),
                 12.0, false)
            ) t(snapshot_date, area_code, area_name, bps_code, wajib_ktp, coverage_pct, pemula_coverage_pct,
                on_track)
            """
        )
        con.execute("drop table if exists marts.ingest_summary")
        # Digests of source files: hex that must not read as a NIK.
        con.execute(
            """
            create table marts.ingest_summary as
            select date '2025-06-30' as snapshot_date, '65.0' || i as regency_code,
                   '2025-06-30/650' || i || '_ktp.csv' as source_file,
                   sha256('file ' || i) as sha256, 1000 * i as rows_read
            from range(1, 5) r(i)
            """
        )
        con.execute("drop table if exists marts.reject_reasons")
        con.execute(
            f"""
            create table marts.reject_reasons as
            select date '2025-06-30' as snapshot_date, '65.01' as regency_code, reason, {version} as rows
            from (values ('sex_invalid'), ('nik_malformed'), ('birth_date_invalid')) t(reason)
            """
        )
    finally:
        con.close()
    return path


def plant_nik_in_mart(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(
            f"update marts.coverage_regency set area_name = 'Malinau {NIK_A}' where area_code = '65.02'"
        )
    finally:
        con.close()


def plant_identifier_column(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create table marts.outreach_contacts as select 1 as priority_rank, 'S. A.' as nama")
    finally:
        con.close()


def add_quarantine(path: Path, rows: list[dict[str, object]]) -> None:
    """Rejected rows, each given as ingest.quarantine shows it (its columns, values as sent)."""
    con = duckdb.connect(str(path))
    try:
        create_ingest_tables(con)
        add_judged_rows(con, [quarantine_as_judged_row(row) for row in rows])
    finally:
        con.close()


def drop_quarantine(path: Path, regency_code: str) -> None:
    """The regency's files no longer have rejected rows (ingest.quarantine lists none of them)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "delete from ingest.judged_rows where reason is not null and regency_code = ?", [regency_code]
        )
    finally:
        con.close()


def tree_state(link: Path) -> dict[str, object]:
    """Where the publication link points and every file's bytes behind it, for byte-for-byte checks."""
    files = {
        str(p.relative_to(link)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(link.rglob("*"))
        if p.is_file()
    }
    return {"target": os.readlink(link) if link.is_symlink() else None, "files": files}


def run_publish_cli(
    warehouse: Path, publish_dir: Path, run_id: str, *, fault: str | None = None, keep: int = 3
) -> subprocess.CompletedProcess[str]:
    """A publication in its own process, so an injected fault really kills it midway."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "KTP_WAREHOUSE": str(warehouse),
        "KTP_PUBLISH_DIR": str(publish_dir),
        "KTP_FAULT_INJECT": fault or "",
    }
    cmd = [
        sys.executable,
        "-m",
        "pipelines",
        "publish",
        "publish",
        "--run-id",
        run_id,
        "--code-list-version",
        CODE_LIST,
        "--validation",
        '{"success": true, "report": "reports/validation/index.html"}',
        "--keep",
        str(keep),
    ]
    return subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
