"""Comparing the marts of two DuckDB warehouses row for row (EXCEPT ALL both ways, all columns)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.publish.marts import PUBLISHED_MARTS

MARTS = PUBLISHED_MARTS


@dataclass(frozen=True)
class MartDiff:
    mart: str
    rows_left: int
    rows_right: int
    only_left: int  # rows (with multiplicity) of the left mart missing on the right
    only_right: int
    columns_left: tuple[tuple[str, str], ...]
    columns_right: tuple[tuple[str, str], ...]

    @property
    def equal(self) -> bool:
        return self.columns_left == self.columns_right and self.only_left == 0 and self.only_right == 0

    def describe(self) -> str:
        if self.columns_left != self.columns_right:
            return f"{self.mart}: columns differ: {self.columns_left} vs {self.columns_right}"
        return (
            f"{self.mart}: {self.rows_left} vs {self.rows_right} rows, "
            f"{self.only_left} only in the pipeline's, {self.only_right} only in the baseline's"
        )


def _columns(conn: duckdb.DuckDBPyConnection, db: str, table: str) -> tuple[tuple[str, str], ...]:
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = 'marts' and table_name = ? order by ordinal_position",
        [db, table],
    ).fetchall()
    return tuple((name, dtype) for name, dtype in rows)


def compare_marts(left: Path, right: Path, marts: tuple[str, ...] = MARTS) -> list[MartDiff]:
    """left = the pipeline's warehouse, right = the baseline's; both opened read-only."""
    conn = duckdb.connect()
    try:
        conn.execute(f"attach '{left}' as l (read_only)")
        conn.execute(f"attach '{right}' as r (read_only)")
        diffs = []
        for mart in marts:
            cols_l, cols_r = _columns(conn, "l", mart), _columns(conn, "r", mart)
            if not cols_l or not cols_r:
                diffs.append(MartDiff(mart, -1, -1, -1, -1, cols_l, cols_r))
                continue
            n_l = conn.execute(f"select count(*) from l.marts.{mart}").fetchone()[0]
            n_r = conn.execute(f"select count(*) from r.marts.{mart}").fetchone()[0]
            if cols_l != cols_r:
                diffs.append(MartDiff(mart, n_l, n_r, -1, -1, cols_l, cols_r))
                continue
            only_l = conn.execute(
                f"select count(*) from (from l.marts.{mart} except all from r.marts.{mart})"
            ).fetchone()[0]
            only_r = conn.execute(
                f"select count(*) from (from r.marts.{mart} except all from l.marts.{mart})"
            ).fetchone()[0]
            diffs.append(MartDiff(mart, n_l, n_r, only_l, only_r, cols_l, cols_r))
        return diffs
    finally:
        conn.close()


def mismatches(left: Path, right: Path) -> list[str]:
    return [d.describe() for d in compare_marts(left, right) if not d.equal]
