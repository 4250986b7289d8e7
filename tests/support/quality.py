"""Small, consistent warehouses for the quality-suite tests (all data synthetic).

`build_warehouse` writes the ingest tables (as dbt builds them: tests/support/ingest_tables.sql) and a
tiny set of marts that satisfy every rule of expectations/*.json; each test then plants one defect with
plain SQL. Persons are written as kept rows of ingest.judged_rows, which the view ingest.persons shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.ingest.contract import COLUMNS, REGENCIES, dotted_regency
from pipelines.lib.settings import SEEDS_DIR
from tests.support.ingest import add_judged_rows, add_rows, create_ingest_tables, file_row, utc_now

SNAPSHOT = dt.date(2025, 6, 30)
PREVIOUS = dt.date(2024, 12, 31)
REGENCY_CODES = [dotted_regency(c) for c in REGENCIES]


@dataclass(frozen=True)
class Paths:
    warehouse: Path
    reports_dir: Path


def build_warehouse(tmp_path: Path, snapshots: tuple[dt.date, ...] = (PREVIOUS, SNAPSHOT)) -> Paths:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        create_ingest_tables(con)
        for snapshot in snapshots:
            _ingest(con, snapshot)
        _reference(con)
        _marts(con, snapshots)
    return Paths(warehouse=warehouse, reports_dir=tmp_path / "reports")


def execute(paths: Paths, sql: str, *params: object) -> None:
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute(sql, list(params) if params else None)


def query(paths: Paths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.warehouse)) as con:
        return con.execute(sql).fetchall()


def _ingest(con: duckdb.DuckDBPyConnection, snapshot: dt.date) -> None:
    header = [f" {name.lower()} " for name in COLUMNS]  # as a regency might send it: spaces, lower case
    for code4, _name in REGENCIES.items():
        regency = dotted_regency(code4)
        source = f"{snapshot.isoformat()}/{code4}_{snapshot:%Y%m%d}.csv"
        counts = {"rows_landed": 1000, "rows_read": 1000, "rows_loaded": 960, "rows_rejected": 40}
        add_rows(con, "files", [file_row(snapshot, regency, source, columns_found=header, **counts)])
        add_judged_rows(
            con,
            [
                {
                    "snapshot_date": snapshot,
                    "regency_code": regency,
                    "source_file": source,
                    "sha256": "sha",
                    "landed_at": utc_now(),
                    "row_number": row,
                    "reason": None,  # kept: a person
                    "nik": f"{code4}01{row:02d}0190{row:04d}",
                    "sex": "L",
                    "birth_date": dt.date(1990, 1, 1),
                    "marital_status": "KAWIN",
                    "citizenship": "WNI",
                    "district_code": f"{regency}.01",
                    "village_code": f"{regency}.01.1001",
                    "ktp_status": "CARD ISSUED",
                    "flag_nik_issued_outside_kaltara": False,
                    "flag_nik_birth_date_mismatch": False,
                    "flag_nik_sex_mismatch": False,
                    "judged_at": utc_now(),
                }
                for row in range(1, 4)
            ],
        )


def _reference(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists reference")
    # Types inferred as dbt might (kemendagri_code can come out numeric): the check must cope.
    con.execute(
        "create table reference.dukcapil_population as select * from read_csv(?, header = true)",
        [str(SEEDS_DIR / "dukcapil_population.csv")],
    )


COVERAGE_COLUMNS = """
    snapshot_date date, area_code varchar, area_name varchar, parent_code varchar, population bigint,
    wajib_ktp bigint, sudah_rekam bigint, belum_rekam bigint, sudah_cetak bigint, coverage_pct double,
    pemula_wajib bigint, pemula_rekam bigint, pemula_coverage_pct double, zone varchar
"""


def _marts(con: duckdb.DuckDBPyConnection, snapshots: tuple[dt.date, ...]) -> None:
    con.execute("create schema if not exists marts")
    for level in ("province", "regency", "district", "village"):
        extra = ", bps_code varchar" if level == "regency" else ""
        con.execute(f"create table marts.coverage_{level} ({COVERAGE_COLUMNS}{extra})")
    populations = dict(
        con.execute(
            "select try_cast(kemendagri_code as double), dukcapil_s2_2024_total"
            " from reference.dukcapil_population"
        ).fetchall()
    )
    for step, snapshot in enumerate(snapshots):
        # Three districts of three villages per regency; numbers derived from the regency's published
        # population so the Dukcapil comparison passes, nudged per snapshot so changes are not all equal.
        for r, regency in enumerate(REGENCY_CODES):
            total = int(populations[float(regency)])
            for d in range(1, 4):
                district = f"{regency}.{d:02d}"
                for v in range(1, 4):
                    share = total // 9 + (total % 9 if (d, v) == (3, 3) else 0)
                    wajib = share * 7 // 10 * (1000 + step * (10 + (d + v + r) % 4)) // 1000
                    rekam = wajib * (80 - d - v + step * (1 + (d + r) % 3)) // 100
                    cetak = rekam * 95 // 100
                    pemula_wajib = share // 50
                    pemula_rekam = pemula_wajib * (60 + v) // 100
                    con.execute(
                        "insert into marts.coverage_village values"
                        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'hijau')",
                        [snapshot, f"{district}.{2000 + v}", f"Desa {d}{v}", district, share, wajib, rekam,
                         wajib - rekam, cetak, round(100 * rekam / wajib, 2), pemula_wajib, pemula_rekam,
                         round(100 * pemula_rekam / pemula_wajib, 2)],
                    )  # fmt: skip
        for child, parent, name in (
            ("village", "district", "'Kecamatan ' || area_code"),
            ("district", "regency", "'Kabupaten ' || area_code"),
            ("regency", "province", "'Kalimantan Utara'"),
        ):
            parent_of = (
                "'65'" if parent == "regency" else "null" if parent == "province" else "left(area_code, 5)"
            )
            extra = ", null" if parent == "regency" else ""
            con.execute(
                f"""
                insert into marts.coverage_{parent}
                select snapshot_date, area_code, {name}, {parent_of}, population, wajib_ktp, sudah_rekam,
                       belum_rekam, sudah_cetak, round(100 * sudah_rekam / wajib_ktp, 2), pemula_wajib,
                       pemula_rekam, round(100 * pemula_rekam / pemula_wajib, 2), 'hijau'{extra}
                from (select snapshot_date, parent_code as area_code, sum(population) as population,
                             sum(wajib_ktp) as wajib_ktp, sum(sudah_rekam) as sudah_rekam,
                             sum(belum_rekam) as belum_rekam, sum(sudah_cetak) as sudah_cetak,
                             sum(pemula_wajib) as pemula_wajib, sum(pemula_rekam) as pemula_rekam
                      from marts.coverage_{child} where snapshot_date = ? group by all)
                """,
                [snapshot],
            )  # fmt: skip
    con.execute(
        """
        create table marts.coverage_age_cohort as
        select snapshot_date, area_code as regency_code, cohort as age_cohort, sex,
               wajib_ktp // 4 + if(cohort = '17-24' and sex = 'L', wajib_ktp % 4, 0) as wajib_ktp,
               sudah_rekam // 4 + if(cohort = '17-24' and sex = 'L', sudah_rekam % 4, 0) as sudah_rekam,
               0 as belum_rekam, 0.0 as coverage_pct
        from marts.coverage_regency, (values ('17-24'), ('25+')) c(cohort), (values ('L'), ('P')) s(sex)
        """
    )  # fmt: skip
    con.execute("update marts.coverage_age_cohort set belum_rekam = wajib_ktp - sudah_rekam")
    con.execute(
        """
        create table marts.pemula_outlook as
        select snapshot_date, left(area_code, 5) as regency_code, area_code as district_code,
               DATE '2025-07-01' as month_turning_17, 10 as persons, 2 as recorded_early
        from marts.coverage_district;
        create table marts.outreach_priority as
        select snapshot_date,
               row_number() over (partition by snapshot_date order by belum_rekam desc) as priority_rank,
               left(area_code, 5) as regency_code, parent_code as district_code, area_code as village_code,
               area_name as village_name, belum_rekam, 0 as belum_rekam_pemula, 0 as deactivation_risk,
               0 as upcoming_pemula_unrecorded
        from marts.coverage_village;
        create table marts.coverage_trend as
        select snapshot_date, area_code, area_name, wajib_ktp, sudah_rekam, belum_rekam, coverage_pct,
               0.0 as coverage_change_pts, 0 as belum_rekam_change, null::date as projected_zero_date,
               DATE '2025-11-30' as target_date, true as on_track
        from marts.coverage_regency;
        create table marts.ingest_summary as
        select snapshot_date, regency_code, source_file, sha256, rows_read, rows_loaded, rows_rejected,
               duplicates_superseded
        from ingest.files;
        create table marts.reject_reasons as
        select snapshot_date, regency_code, reason, 8 as rows
        from ingest.files, (values ('nik_malformed'), ('sex_invalid')) r(reason);
        create table marts.quality_flags as
        select snapshot_date, regency_code, flag, 1 as rows
        from ingest.files, (values ('nik_sex_mismatch'), ('nik_birth_date_mismatch')) f(flag);
        """
    )  # fmt: skip


# ---------------------------------------------------------------- scale (tests/test_quality_scale.py)


def build_scale_warehouse(tmp_path: Path, rows: int, snapshot: dt.date = SNAPSHOT) -> Paths:
    """`rows` persons in one snapshot, built inside DuckDB: kept rows of ingest.judged_rows with only the
    columns the scale suites read (the others null), none superseded, seen through the view
    ingest.persons as in a dbt-built warehouse."""
    warehouse = tmp_path / "scale.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        create_ingest_tables(con)
        con.execute(
            """
            insert into ingest.judged_rows (snapshot_date, regency_code, source_file, row_number, nik, sex)
            select ?::date, '65.01', '6501.csv', i, (6501000000000000 + i)::varchar, if(i % 2 = 0, 'L', 'P')
            from range(?) as t(i)
            """,
            [snapshot, rows],
        )
        counts = {"rows_landed": rows, "rows_read": rows, "rows_loaded": rows, "size_bytes": 1}
        add_rows(
            con,
            "files",
            [file_row(snapshot, r, f"{r}.csv", columns_found=["NIK"], **counts) for r in REGENCY_CODES],
        )
    return Paths(warehouse=warehouse, reports_dir=tmp_path / "reports")


SCALE_MEMORY_LIMIT = "128MB"


def scale_probe(warehouse: str, reports_dir: str, expectations_dir: str, suites: str) -> None:
    """Run in a child process by the scale test: validates `suites` (comma-separated; the first from the
    repository's expectations/, the rest from `expectations_dir`) and prints, as JSON, the outcomes, the
    SQL GX sent to DuckDB, and how far the process's peak memory rose above where it stood once GX was
    loaded. DuckDB's own working memory (hash tables of a GROUP BY) is capped by SCALE_MEMORY_LIMIT,
    as KTP_DUCKDB_MEMORY_LIMIT caps it in production; beyond it DuckDB spills to disk."""
    import json
    import os
    import resource
    from types import SimpleNamespace

    import sqlalchemy as sa

    from pipelines.lib.quality.context import gx_context
    from pipelines.lib.quality.runner import run_suite

    gx_context(Path(reports_dir))  # GX import and context: fixed costs, not the validation's
    page = os.sysconf("SC_PAGE_SIZE")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # The start-up's own peak (imports, seen up to ~1 GB on a loaded machine) must not count as the
    # validation's: reset the process's high-water mark (Linux: "5" > clear_refs), then read VmHWM.
    Path("/proc/self/clear_refs").write_text("5")
    rss_before = int(Path("/proc/self/statm").read_text().split()[1]) * page
    statements: list[str] = []
    sa.event.listen(
        sa.engine.Engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql)
    )
    settings = SimpleNamespace(
        warehouse=Path(warehouse),
        reports_dir=Path(reports_dir),
        duckdb_memory_limit=SCALE_MEMORY_LIMIT,
        duckdb_threads=2,
    )
    outcomes = {}
    for i, suite in enumerate(suites.split(",")):
        extra = {} if i == 0 else {"expectations_dir": Path(expectations_dir)}
        outcome = run_suite(settings, suite, asset="scale", snapshot_date=SNAPSHOT, run_id="scale", **extra)
        outcomes[suite] = {
            "success": outcome.success,
            "duration_s": outcome.duration_s,
            "rules": {
                e.rule: {"success": e.success, "observed": e.observed_value} for e in outcome.expectations
            },
        }
    status = Path("/proc/self/status").read_text().splitlines()
    peak_after = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    result = {
        "outcomes": outcomes,
        "statements": statements,
        "rss_before": rss_before,
        "peak_before": peak_before,
        "peak_after": peak_after,
    }
    print(json.dumps(result, default=str))
