"""datapackage.json: a Frictionless Data Package describing every published file, so a program reads the
marts with the right types (codes such as "65.01" as text, not as numbers) without guessing.

One resource per file: each mart's CSV and Parquet, and each sheet of the workbook, with the mart's
schema (field types from the exported columns; descriptions, required fields, accepted values and the
primary key from the dbt YAML; empty cells as the missing value). The manifest is listed too, without a
hash: it is written after this file and names this file's hash.

The descriptor holds nothing that changes from run to run for the same marts (no run id, no time): two
publications of the same data, on DuckDB or Spark, have the same datapackage.json. Its version is made
from the newest snapshot and the files' hashes, so it changes exactly when the data does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from pipelines.lib.fingerprint import fingerprint
from pipelines.lib.publish.export import ExportedFile
from pipelines.lib.publish.mart_docs import mart_doc

DATAPACKAGE_NAME = "datapackage.json"
PACKAGE_NAME = "ktp-el-coverage-kalimantan-utara"
# The figures are aggregate public statistics; a publisher who needs another licence changes it here.
LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT"}  # fmt: skip
# Dotted Kemendagri codes (README: 65, 65.71, 65.71.01, 65.71.01.1001) and BPS's four digits.
_CODE_PATTERNS = {
    "area_code": r"65(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?",
    "parent_code": r"65(\.[0-9]{2}(\.[0-9]{2})?)?",
    "regency_code": r"65\.[0-9]{2}",
    "district_code": r"65\.[0-9]{2}\.[0-9]{2}",
    "village_code": r"65\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}",
    "bps_code": r"[0-9]{4}",
}
_MEDIATYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def field_type(duckdb_type: str) -> dict[str, object]:
    """The Table Schema type of a DuckDB column type, with what a reader needs to parse it."""
    kind = duckdb_type.upper()
    if kind == "VARCHAR":
        return {"type": "string"}
    if kind in _INTEGERS:
        return {"type": "integer"}
    if kind == "DATE":
        return {"type": "date", "format": "default"}  # ISO 8601, as every published file writes it
    if kind == "BOOLEAN":
        return {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}
    if kind in ("DOUBLE", "FLOAT", "REAL"):
        return {"type": "number"}
    if m := _DECIMAL.fullmatch(kind):
        precision, scale = int(m.group(1)), int(m.group(2))
        return {"type": "number", "decimalChar": ".", "precision": precision, "scale": scale}
    if kind.startswith("TIMESTAMP"):
        return {"type": "datetime"}
    return {"type": "any"}


def table_schema(mart: str, columns: Sequence[tuple[str, str]]) -> dict[str, object]:
    doc = mart_doc(mart)
    fields = []
    for name, duckdb_type in columns:
        column = doc.columns.get(name)
        spec = {"name": name, **field_type(duckdb_type)}
        # Frictionless knows no precision/scale keys: they go into the description and the type stays
        # a plain number (decimals are exact in the files: CSV as written, Parquet as DECIMAL).
        precision, scale = spec.pop("precision", None), spec.pop("scale", None)
        description = column.description if column else ""
        if scale is not None:
            description = f"{description} Exact decimal, {scale} places (DECIMAL({precision},{scale}))."
        if description.strip():
            spec["description"] = description.strip()
        constraints: dict[str, object] = {}
        if column and column.required:
            constraints["required"] = True
        if column and column.accepted_values and spec["type"] == "string":
            constraints["enum"] = list(column.accepted_values)
        if name in _CODE_PATTERNS and spec["type"] == "string":
            constraints["pattern"] = _CODE_PATTERNS[name]
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
    schema: dict[str, object] = {"fields": fields, "missingValues": [""]}
    names = {n for n, _ in columns}
    key = list(doc.key)
    if key and set(key) <= names:
        schema["primaryKey"] = key
    return schema


def _resource(name: str, file: ExportedFile, schema: dict, description: str, **extra) -> dict:
    resource = {
        "name": name,
        "type": "table",
        "path": file.file,
        "format": file.format,
        "mediatype": _MEDIATYPES[file.format],
        "encoding": "utf-8",
        "bytes": file.bytes,
        "hash": f"sha256:{file.sha256}",
        "description": description,
        **extra,
        "schema": schema,
    }
    if file.format != "csv":
        resource.pop("encoding")
    return resource


def build_datapackage(
    *,
    files: Sequence[ExportedFile],
    workbook: ExportedFile | None,
    snapshots: Sequence[str],
    code_list_version: str,
) -> dict[str, object]:
    resources = []
    marts = [f for f in files if f.format == "csv"]
    for csv_file in marts:
        mart = csv_file.mart or csv_file.file.removesuffix(".csv")
        schema = table_schema(mart, csv_file.columns)
        description = mart_doc(mart).description
        resources.append(
            _resource(
                mart,
                csv_file,
                schema,
                description,
                dialect={"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True},
            )
        )
        parquet = next((f for f in files if f.mart == csv_file.mart and f.format == "parquet"), None)
        if parquet is not None:
            # frictionless reads Parquet through pandas, where a missing integer arrives as NaN; and it
            # counts no bytes of a file it reads through pyarrow, so the size is left to the manifest.
            resource = _resource(
                f"{mart}-parquet", parquet, {**schema, "missingValues": ["", "nan"]}, description
            )
            resource.pop("bytes")
            resources.append(resource)
    if workbook is not None:
        for csv_file in marts:
            mart = csv_file.mart or csv_file.file.removesuffix(".csv")
            resources.append(
                _resource(
                    f"{mart}-xlsx",
                    workbook,
                    table_schema(mart, csv_file.columns),
                    f"Sheet {mart} of the workbook. " + mart_doc(mart).description,
                    dialect={"excel": {"sheet": mart}},
                )
            )
    resources.append(
        {
            "name": "manifest",
            "type": "json",
            "path": "manifest.json",
            "format": "json",
            "mediatype": "application/json",
            "description": "The release's manifest: run, time, every file's sha256, every blocking check "
            "of the publication with its result. Written after this file, so it has no hash here.",
        }
    )
    return {
        "name": PACKAGE_NAME,
        "title": "KTP-el recording coverage, Kalimantan Utara",
        "description": (
            "Disdukcapil Provinsi Kalimantan Utara: KTP-el recording coverage by area, age cohort and sex, "
            "the unrecorded residents' villages for outreach, and the regency extracts' accounting, for "
            f"snapshots {', '.join(snapshots)}. Aggregates only: no NIK, name or other personal data. "
            "Text cells of the CSVs that begin with =, +, -, @, a tab or a carriage return carry a "
            "leading ' so that no spreadsheet runs them as a formula; the Parquet files and the "
            "workbook (whose text cells are never formulas) keep the values as they are."
        ),
        "version": _version(snapshots, files, workbook),
        "licenses": [LICENSE],
        "sources": [
            {
                "title": "SIAK extracts of the five regency Disdukcapil offices (Bulungan, Malinau, Nunukan, "
                "Tana Tidung, Kota Tarakan), one per regency and snapshot"
            },
            {"title": f"Kemendagri area codes, {code_list_version} (cahyadsn/wilayah, MIT)"},
            {"title": "BPS–Kemendagri code crosswalk (kodewilayah/explorer, MIT)"},
        ],
        "keywords": ["KTP-el", "Dukcapil", "Kalimantan Utara", "civil registration", "coverage"],
        "resources": resources,
    }


def _version(snapshots: Sequence[str], files: Sequence[ExportedFile], workbook: ExportedFile | None) -> str:
    """<newest snapshot>+<digest of the data files>: the same data, the same version."""
    listing = "".join(
        f"{f.file}:{f.sha256}\n"
        for f in sorted([*files, *([workbook] if workbook else [])], key=lambda f: f.file)
    )
    newest = max(snapshots) if snapshots else "0000-00-00"
    return f"{newest.replace('-', '.')}+{fingerprint(text=listing, length=12)}"


def write_datapackage(package: dict[str, object], directory: Path) -> Path:
    path = directory / DATAPACKAGE_NAME
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
