"""Quoting for SQL text we have to assemble: DuckDB's COPY ... TO takes no bound parameters."""

from __future__ import annotations

import os


def sql_string(value: str | os.PathLike[str]) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
