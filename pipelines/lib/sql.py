"""Quoting for SQL text we have to assemble: DuckDB's COPY ... TO takes no bound parameters."""

from __future__ import annotations

import os


def sql_string(value: str | os.PathLike[str]) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def spreadsheet_safe_sql(expression: str) -> str:
    """A text value that a spreadsheet opening the CSV will not run as a formula: a cell that begins
    with =, +, -, @, a tab or a carriage return gets a leading single quote (OWASP's rule for CSV
    injection). Only for text columns: numbers are written by their own type and never change."""
    return (
        f"case when left({expression}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) "
        f"then '''' || {expression} else {expression} end"
    )
