"""What the coverage report shows, read from the published marts of one release (its Parquet files).

Nothing here reads the warehouse: the report must say exactly what the release beside it says, and a
release holds no row about a person, so neither can the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

# The marts the report reads; a release without one of them cannot have a report.
MARTS = (
    "coverage_province",
    "coverage_regency",
    "coverage_district",
    "coverage_trend",
    "coverage_age_cohort",
    "pemula_outlook",
    "outreach_priority",
    "ingest_summary",
    "reject_reasons",
    "quality_flags",
)
OUTREACH_ROWS = 20
# (pipelines.lib.publish's SQL helpers are not imported: the publisher imports this package.)

Row = dict[str, Any]


@dataclass(frozen=True)
class Figures:
    snapshot: dt.date
    previous: dt.date | None
    province: Row
    regencies: list[Row]  # latest snapshot, with coverage_trend's change since the previous one
    districts: list[Row]
    trend: list[Row]  # every snapshot, province and regencies
    cohorts: list[Row]  # the whole province, per age cohort and sex
    pemula: list[Row]  # the whole province, per month someone turns 17
    outreach: list[Row]
    files: list[Row]
    rejects: list[Row]  # per reason, the whole province
    flags: list[Row]  # per flag, the whole province


def read_figures(release: Path) -> Figures:
    con = duckdb.connect()
    try:
        for mart in MARTS:
            path = Path(release) / f"{mart}.parquet"
            if not path.is_file():
                raise FileNotFoundError(f"the coverage report needs {path.name} in the release")
            literal = "'" + str(path).replace("'", "''") + "'"
            con.execute(f"create view {mart} as select * from read_parquet({literal})")
        return _figures(con)
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[Row]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _figures(con: duckdb.DuckDBPyConnection) -> Figures:
    snapshots = [
        r[0]
        for r in con.execute("select distinct snapshot_date from coverage_province order by 1").fetchall()
    ]
    if not snapshots:
        raise ValueError("the release holds no snapshot")
    latest = snapshots[-1]
    previous = snapshots[-2] if len(snapshots) > 1 else None
    at = [latest]
    area = """
        select c.*, t.coverage_change_pts, t.belum_rekam_change, t.projected_zero_date, t.target_date,
               t.on_track
        from {mart} as c
        left join coverage_trend as t using (snapshot_date, area_code)
        where c.snapshot_date = ? order by c.area_code
    """
    (province,) = _rows(con, area.format(mart="coverage_province"), at)
    regencies = _rows(con, area.format(mart="coverage_regency"), at)
    districts = _rows(
        con,
        """
        select d.*, r.area_name as regency_name
        from coverage_district as d
        join coverage_regency as r on r.snapshot_date = d.snapshot_date and r.area_code = d.parent_code
        where d.snapshot_date = ? order by d.area_code
        """,
        at,
    )
    trend = _rows(con, "select * from coverage_trend order by area_code, snapshot_date")
    cohorts = _rows(
        con,
        """
        select age_cohort, sex, sum(wajib_ktp) as wajib_ktp, sum(sudah_rekam) as sudah_rekam,
               sum(belum_rekam) as belum_rekam
        from coverage_age_cohort where snapshot_date = ? group by all order by all
        """,
        at,
    )
    pemula = _rows(
        con,
        """
        select month_turning_17, sum(persons) as persons, sum(recorded_early) as recorded_early
        from pemula_outlook where snapshot_date = ? group by all order by all
        """,
        at,
    )
    outreach = _rows(
        con,
        f"""
        select o.priority_rank, o.village_code, o.village_name, o.district_code,
               d.area_name as district_name, o.regency_code, r.area_name as regency_name,
               o.belum_rekam, o.belum_rekam_pemula, o.deactivation_risk, o.upcoming_pemula_unrecorded
        from outreach_priority as o
        left join coverage_district as d
            on d.snapshot_date = o.snapshot_date and d.area_code = o.district_code
        left join coverage_regency as r
            on r.snapshot_date = o.snapshot_date and r.area_code = o.regency_code
        where o.snapshot_date = ? order by o.priority_rank limit {OUTREACH_ROWS}
        """,
        at,
    )
    files = _rows(
        con,
        """
        select s.regency_code, r.area_name as regency_name, s.source_file, s.rows_read, s.rows_loaded,
               s.rows_rejected, s.duplicates_superseded
        from ingest_summary as s
        left join coverage_regency as r on r.snapshot_date = s.snapshot_date and r.area_code = s.regency_code
        where s.snapshot_date = ? order by s.regency_code, s.source_file
        """,
        at,
    )
    rejects = _rows(
        con,
        "select reason, sum(rows) as rows from reject_reasons where snapshot_date = ? "
        "group by all order by rows desc, reason",
        at,
    )
    flags = _rows(
        con,
        "select flag, sum(rows) as rows from quality_flags where snapshot_date = ? "
        "group by all order by rows desc, flag",
        at,
    )
    return Figures(
        snapshot=latest,
        previous=previous,
        province=province,
        regencies=regencies,
        districts=districts,
        trend=trend,
        cohorts=cohorts,
        pemula=pemula,
        outreach=outreach,
        files=files,
        rejects=rejects,
        flags=flags,
    )
