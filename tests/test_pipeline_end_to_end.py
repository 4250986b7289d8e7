"""The whole chain on generated extracts: ingest -> dbt -> GX -> publish, and the publish gate.

One module-scoped deployment is run several times, as a data engineer would: a good run publishes,
then a run missing a regency and a run with too many rejects are blocked and leave the publication
byte-for-byte as it was. Mart figures are checked against the generator's own answer key, which
counts the people it wrote without any of the project's SQL.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.publish import scan_for_pii
from pipelines.lib.publish.dbt_docs import docs_dir, write_dbt_docs
from pipelines.lib.publish.marts import PUBLISHED_MARTS, mart_key, order_by_clause
from pipelines.lib.runs.headless import run_pipeline
from pipelines.lib.settings import REPO_ROOT, Settings
from tests.support.browser import chromium
from tests.support.dagster import dagster_instance
from tests.support.extracts import people, write_csv
from tests.support.readme import snippet
from tests.support.report_page import ReportPage, chart_values

SNAPSHOTS = ["2026-03-31", "2026-09-30"]
SAMPLE = REPO_ROOT / "data" / "raw"


def _publication_fingerprint(publish_dir: Path) -> dict[str, str]:
    """Every published file's sha256, read through the symlink as a reader would."""
    root = Path(os.path.realpath(publish_dir))
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    } | {"<target>": os.readlink(publish_dir)}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    base = tmp_path_factory.mktemp("deployment")
    # The shipped sample: what `make run` reads, with the generator's answer key beside it.
    shutil.copytree(SAMPLE, base / "raw", ignore=shutil.ignore_patterns("_scale*"))
    key = json.loads((base / "raw" / "GENERATED.json").read_text())
    env = {
        "KTP_RAW_DIR": str(base / "raw"),
        "KTP_WAREHOUSE": str(base / "warehouse" / "ktp.duckdb"),
        "KTP_PUBLISH_DIR": str(base / "published"),
        "KTP_REPORTS_DIR": str(base / "reports"),
        "KTP_LOG_LEVEL": "WARNING",
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("DAGSTER_HOME", raising=False)
        settings = Settings.from_env()
        with dagster_instance() as instance:
            first = run_pipeline(settings, instance)
            published = _publication_fingerprint(settings.publish_dir) if first.ok else {}
            yield {
                "settings": settings,
                "key": key,
                "first": first,
                "first_published": published,
                "instance": instance,
                "base": base,
            }


def _query(settings, sql, params=None):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def test_good_data_is_published_with_manifest_and_reports(deployment):
    settings, outcome = deployment["settings"], deployment["first"]
    assert outcome.problems == []
    assert outcome.ok
    publish_dir = settings.publish_dir
    assert publish_dir.is_symlink()
    manifest = json.loads((publish_dir / "manifest.json").read_text())
    assert manifest["snapshots"] == SNAPSHOTS
    assert manifest["validation"]["success"] is True
    assert Path(manifest["validation"]["report"]).is_file()
    assert manifest["code_list_version"].startswith("Kepmendagri")
    names = {f["file"] for f in manifest["files"]}
    for mart in [
        "coverage_province",
        "coverage_village",
        "outreach_priority",
        "coverage_trend",
        "ingest_summary",
    ]:
        assert {f"{mart}.parquet", f"{mart}.csv"} <= names
    for f in manifest["files"]:  # the manifest describes the files as they are
        data = (publish_dir / f["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    # reports for auditors
    reports = settings.reports_dir
    assert (reports / "data_docs" / "index.html").is_file()
    docs = reports / "dbt_docs"
    assert {p.name for p in docs.iterdir()} == {
        "index.html", "manifest.json", "catalog.json", "extract-contract.md", ".fingerprint"
    }  # fmt: skip
    # The project overview says what the marts are and links to the contract, which is beside the site.
    overview = json.loads((docs / "manifest.json").read_text())["docs"]["doc.ktp_warehouse.__overview__"]
    assert (
        "](extract-contract.md)" in overview["block_contents"]
        and "`outreach_priority`" in overview["block_contents"]
    )
    assert (docs / "extract-contract.md").read_bytes() == (
        REPO_ROOT / "docs" / "extract-contract.md"
    ).read_bytes()
    catalog = json.loads((docs / "catalog.json").read_text())
    assert "model.ktp_warehouse.coverage_province" in catalog["nodes"]  # read from this warehouse
    quarantine = sorted((reports / "quarantine").rglob("*.csv"))
    assert len(quarantine) == 10  # every file of the generator has rejects
    text = quarantine[0].read_text(encoding="utf-8")
    assert "*" in text and "reason" in text.splitlines()[0]
    report = json.loads((reports / "last_run.json").read_text())
    assert report["ok"] is True
    steps = {s["step"] for s in report["steps"]}
    # landing is the build's first step (extract_inventory), no run of its own
    assert {"extract_inventory", "dbt_marts", "published", "audit_reports"} <= steps
    assert all(s["seconds"] is not None and s["seconds"] >= 0 for s in report["steps"])
    # One run lands the files (together, in its first step), builds, checks and publishes, whatever
    # the number of files; a second writes the reports.
    jobs = [r["job"] for r in report["runs"]]
    assert jobs == ["build_and_publish", "write_audit_reports"]
    landed = [s for s in report["steps"] if s["partition"] is not None]
    assert {s["step"] for s in landed} == {"extract_inventory"}
    assert sorted(s["partition"] for s in landed) == sorted(
        f"{r}|{s}"
        for s in ("2026-03-31", "2026-09-30")
        for r in ("6501 Bulungan", "6502 Malinau", "6503 Nunukan", "6504 Tana Tidung", "6571 Kota Tarakan")
    )
    assert len(report["run_ids"]) == len(report["runs"])
    for run in report["runs"]:  # a run's wall time holds its steps
        steps = [s for s in report["steps"] if s["job"] == run["job"]]
        assert steps and run["seconds"] >= max(s["seconds"] for s in steps)
    history = _query(settings, "select suite, count(*), bool_and(success) from audit.validation_history "
                     "where severity = 'blocking' group by 1 order by 1")  # fmt: skip
    assert [(h[0], h[2]) for h in history] == [
        ("ingested_file", True), ("marts", True), ("snapshot", True)
    ]  # fmt: skip


def _published_marts(settings):
    """Every published mart as the warehouse holds it, in the published order, with its column types."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        marts = {}
        for mart in PUBLISHED_MARTS:
            typed = conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [mart],
            ).fetchall()
            order = order_by_clause(mart, [c for c, _ in typed])
            marts[mart] = (typed, conn.execute(f"select * from marts.{mart} {order}").fetchall())
        return marts


def test_the_data_package_validates_with_frictionless_and_describes_every_file(deployment):
    from frictionless import validate

    publish_dir = deployment["settings"].publish_dir
    report = validate(str(publish_dir / "datapackage.json"))
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((publish_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert {"name", "title", "version", "licenses", "sources", "description"} <= package.keys()
    resources = {r["name"]: r for r in package["resources"]}
    # every file of the release is a resource (the workbook once per sheet), but the package itself
    # (the coverage report is a page about the data, not data: the manifest lists its files)
    published = {p.name for p in Path(os.path.realpath(publish_dir)).iterdir()} - {
        "datapackage.json",
        "report",
    }
    assert {r["path"] for r in resources.values()} == published
    marts = _published_marts(deployment["settings"])
    for mart, (typed, rows) in marts.items():
        for name in (mart, f"{mart}-parquet", f"{mart}-xlsx"):
            schema = resources[name]["schema"]
            assert [f["name"] for f in schema["fields"]] == [c for c, _ in typed]
            assert schema["primaryKey"] == list(mart_key(mart))
            assert all(f.get("description") for f in schema["fields"]), name  # from the dbt YAML
        fields = {f["name"]: f for f in resources[mart]["schema"]["fields"]}
        for column, kind in typed:
            if column.endswith("_code") or kind == "VARCHAR":
                assert fields[column]["type"] == "string", (mart, column)
        # the rows frictionless read are the warehouse's
        task = next(t for t in report.tasks if t.name == mart)
        assert task.stats["rows"] == len(rows)
    assert resources["coverage_village"]["schema"]["fields"][1]["constraints"]["pattern"].startswith("65")
    zone = next(f for f in resources["coverage_district"]["schema"]["fields"] if f["name"] == "zone")
    assert zone["constraints"]["enum"] == ["merah", "kuning", "hijau"]
    assert (
        resources["coverage_regency"]["hash"]
        == "sha256:" + hashlib.sha256((publish_dir / "coverage_regency.csv").read_bytes()).hexdigest()
    )


def test_the_readme_reads_the_marts_with_their_types_in_pandas_and_polars(deployment):
    import polars as pl

    settings = deployment["settings"]
    marts = _published_marts(settings)
    (typed, rows) = marts["coverage_regency"]
    want = [dict(zip([c for c, _ in typed], r, strict=True)) for r in rows]
    for first_line in ("# pandas, with the types", "# polars, with the types"):
        code = snippet("python", first_line)
        assert 'published = "data/published"' in code
        names: dict = {}
        exec(code.replace('"data/published"', repr(str(settings.publish_dir))), names)  # noqa: S102
        regency, trend = names["regency"], names["trend"]
        if first_line.startswith("# pandas"):
            assert str(regency["area_code"].dtype) == "string" and str(regency["bps_code"].dtype) == "string"
            assert str(regency["coverage_pct"].dtype) == "float64"
            assert str(regency["population"].dtype) == "Int64"
            assert str(trend["coverage_pct"].dtype) == "float64"
            assert str(trend["on_track"].dtype) == "bool"
            got = regency.to_dict("records")
        else:
            assert regency.schema["area_code"] == pl.String and regency.schema["parent_code"] == pl.String
            assert regency.schema["snapshot_date"] == pl.Date
            assert isinstance(trend.schema["coverage_pct"], pl.Decimal)
            got = regency.to_dicts()
        assert [r["area_code"] for r in got] == [r["area_code"] for r in want]
        assert [r["parent_code"] for r in got] == ["65"] * len(want)
        for g, w in zip(got, want, strict=True):
            assert g["population"] == w["population"]
            assert g["coverage_pct"] == float(w["coverage_pct"])
            assert str(g["snapshot_date"])[:10] == w["snapshot_date"].isoformat()


def test_the_workbook_holds_every_mart_with_typed_cells(deployment):
    import openpyxl

    settings = deployment["settings"]
    book = openpyxl.load_workbook(settings.publish_dir / "ktp_marts.xlsx")
    marts = _published_marts(settings)
    assert book.sheetnames == list(PUBLISHED_MARTS)
    for mart, (typed, rows) in marts.items():
        sheet = book[mart]
        assert sheet.freeze_panes == "A2"
        cells = list(sheet.iter_rows())
        assert [c.value for c in cells[0]] == [c for c, _ in typed]
        assert len(cells) - 1 == len(rows)
        for row, want in zip(cells[1:], rows, strict=True):
            for cell, (column, kind), value in zip(row, typed, want, strict=True):
                if value is None:
                    assert cell.value is None, (mart, column)
                elif kind == "VARCHAR":  # codes too: text, never a number or a formula
                    assert (cell.data_type, cell.value) == ("s", value), (mart, column)
                elif kind == "DATE":
                    assert cell.is_date and cell.value.date() == value and cell.number_format == "yyyy-mm-dd"
                elif kind == "BOOLEAN":
                    assert cell.data_type == "b" and cell.value is value
                elif kind.startswith("DECIMAL"):
                    assert (
                        cell.data_type == "n" and cell.value == float(value) and cell.number_format == "0.00"
                    )
                else:
                    assert cell.data_type == "n" and cell.value == value and isinstance(cell.value, int)


def test_the_manifest_lists_every_blocking_check_with_its_result(deployment):
    settings = deployment["settings"]
    manifest = json.loads((settings.publish_dir / "manifest.json").read_text(encoding="utf-8"))
    checks = manifest["validation"]["checks"]
    assert all(c["blocking"] is True and c["passed"] is True for c in checks)
    suites = [c for c in checks if c["check"] == "gx_suite"]
    files = sorted((c["snapshot_date"], c["regency_code"]) for c in suites if c["suite"] == "ingested_file")
    assert files == sorted(
        tuple(r) for r in _query(settings, "select snapshot_date::varchar, regency_code from ingest.files")
    )
    assert sorted(c["snapshot_date"] for c in suites if c["suite"] == "snapshot") == SNAPSHOTS
    # the marts suite, validated once, as each mart's check: every published mart, each with its own
    marts = [c for c in suites if c.get("suite") == "marts"]
    assert sorted(c["asset"] for c in marts) == sorted(f"marts/{m}" for m in PUBLISHED_MARTS)
    assert all(c["name"] == "gx_marts" and c["expectations"] > 0 for c in marts)
    # every error-severity dbt test of the build, by its asset and name, as Dagster knows them
    from pipelines.defs.dbt.assets import dbt_marts

    blocking = {
        f"{spec.asset_key.to_user_string()}:{spec.name}" for spec in dbt_marts.check_specs if spec.blocking
    }
    listed = {f"{c['asset']}:{c['name']}" for c in checks if c["check"] == "dbt_test"}
    assert listed == blocking and len(listed) > 50
    (pii,) = [c for c in checks if c["check"] == "pii_scan"]
    report = [f["file"] for f in manifest["report"]["files"]]
    assert sorted(pii["files_scanned"]) == sorted(
        [f["file"] for f in manifest["files"]] + report + ["manifest.json"]
    )


def test_dbt_parses_the_project_once_per_warehouse(deployment):
    """The build and the docs reuse the parse made in the background while the files were loading."""
    log = (deployment["settings"].dbt_target_dir / "dbt.log").read_text(encoding="utf-8")
    # The background `dbt parse` is the only full parse; build and docs log no reason to parse again.
    assert re.findall(r"Unable to do partial parsing because ([^.\"]+)", log) == ["saved manifest not found"]
    assert "Command `dbt parse` succeeded" in log
    # Build and docs are dbt processes of their own, logging to the same file.
    assert "Command `dbt build` succeeded" in log and "Command `dbt docs generate` succeeded" in log
    assert log.count("Nothing changed, skipping partial parsing.") >= 2


def test_dbt_docs_are_generated_again_only_when_they_can_differ(deployment):
    settings = deployment["settings"]
    index = docs_dir(settings) / "index.html"
    before = index.stat().st_mtime_ns
    assert write_dbt_docs(settings) is False  # same project, same warehouse schema
    assert index.stat().st_mtime_ns == before
    try:
        with duckdb.connect(str(settings.warehouse)) as conn:
            conn.execute("create schema scratch; create table scratch.t (x integer)")
        assert write_dbt_docs(settings) is True  # a table the catalog may list
    finally:
        with duckdb.connect(str(settings.warehouse)) as conn:
            conn.execute("drop schema scratch cascade")
    assert write_dbt_docs(settings) is True  # and back
    assert write_dbt_docs(settings) is False
    catalog = json.loads((docs_dir(settings) / "catalog.json").read_text())
    assert "model.ktp_warehouse.coverage_province" in catalog["nodes"]


def test_marts_agree_with_the_generators_answer_key(deployment):
    settings, key = deployment["settings"], deployment["key"]
    for snapshot in SNAPSHOTS:
        files = key["snapshots"][snapshot]["files"]
        regencies = {
            r[0]: r[1:]
            for r in _query(
                settings,
                "select area_code, population, wajib_ktp, sudah_rekam, belum_rekam "
                "from marts.coverage_regency where snapshot_date = ?",
                [snapshot],
            )
        }
        for f in files.values():
            won = f["winning"]
            population, wajib, rekam, belum = regencies[f["regency_code"]]
            assert (population, wajib, rekam, belum) == (
                won["persons"],
                won["wajib_ktp"],
                won["wajib_ktp_recorded"],
                won["wajib_ktp"] - won["wajib_ktp_recorded"],
            ), f["file"]
        province = _query(
            settings,
            "select population, wajib_ktp, sudah_rekam, coverage_pct from marts.coverage_province "
            "where snapshot_date = ?",
            [snapshot],
        )[0]
        wajib = sum(f["winning"]["wajib_ktp"] for f in files.values())
        rekam = sum(f["winning"]["wajib_ktp_recorded"] for f in files.values())
        assert province[:3] == (key["snapshots"][snapshot]["distinct_valid_persons"], wajib, rekam)
        # ROUND half away from zero, computed here in integers
        assert round(float(province[3]) * 100) == (10000 * rekam * 2 + wajib) // (2 * wajib)

        summary = {
            r[0]: r[1:]
            for r in _query(
                settings,
                "select source_file, rows_read, rows_loaded, rows_rejected, duplicates_superseded "
                "from marts.ingest_summary where snapshot_date = ?",
                [snapshot],
            )
        }
        assert summary == {
            f["label"]: (f["rows_written"], f["rows_valid"], f["rows_rejected"], f["duplicates_superseded"])
            for f in files.values()
        }
        rejects = _query(
            settings,
            "select regency_code, reason, rows from marts.reject_reasons "
            "where snapshot_date = ? and rows > 0",
            [snapshot],
        )
        assert sorted(rejects) == sorted(
            (f["regency_code"], reason, n) for f in files.values() for reason, n in f["rejects"].items() if n
        )
        flags = _query(
            settings,
            "select regency_code, flag, rows from marts.quality_flags where snapshot_date = ? and rows > 0",
            [snapshot],
        )
        assert sorted(flags) == sorted(
            (f["regency_code"], flag, n) for f in files.values() for flag, n in f["flags"].items() if n
        )


def test_rerun_with_nothing_changed_rebuilds_nothing(deployment):
    settings = deployment["settings"]
    before = _publication_fingerprint(settings.publish_dir)
    outcome = _rerun(deployment)
    assert outcome.ok and outcome.up_to_date
    assert outcome.run_ids == []  # not even a Dagster run was needed
    # what it says is the current publication's state: the warnings the full run reported
    assert deployment["first"].warnings and outcome.warnings == deployment["first"].warnings
    report = json.loads((settings.reports_dir / "last_run.json").read_text(encoding="utf-8"))
    assert report["warnings"] == [asdict(w) for w in deployment["first"].warnings]
    assert (outcome.files_loaded, outcome.files_unchanged) == (0, 10)
    assert _publication_fingerprint(settings.publish_dir) == before


def _rerun(deployment):
    with dagster_instance() as instance:
        return run_pipeline(deployment["settings"], instance)


def _restore_raw(deployment):
    raw = deployment["settings"].raw_dir
    shutil.rmtree(raw)
    shutil.copytree(SAMPLE, raw, ignore=shutil.ignore_patterns("_scale*"))


def test_missing_regency_blocks_and_leaves_the_publication_untouched(deployment):
    settings = deployment["settings"]
    before = _publication_fingerprint(settings.publish_dir)
    (settings.raw_dir / SNAPSHOTS[1] / "6504_tana_tidung.xlsx").unlink()
    try:
        outcome = _rerun(deployment)
        assert not outcome.ok and not outcome.published
        assert _publication_fingerprint(settings.publish_dir) == before
        why = [p for p in outcome.problems if "gx_snapshot" in p.what]
        assert why and SNAPSHOTS[1] in why[0].what and "all_regencies_present" in why[0].message
        report = json.loads((settings.reports_dir / "last_run.json").read_text())
        assert report["ok"] is False and any(
            "all_regencies_present" in p["message"] for p in report["problems"]
        )
        failed = _query(
            settings,
            "select snapshot_date::varchar, expectation from audit.validation_history "
            "where not success and severity = 'blocking'",
        )
        assert (SNAPSHOTS[1], "all_regencies_present") in failed
    finally:
        _restore_raw(deployment)


def test_reject_rate_over_the_limit_blocks_and_leaves_the_publication_untouched(deployment):
    settings = deployment["settings"]
    before = _publication_fingerprint(settings.publish_dir)
    path = settings.raw_dir / SNAPSHOTS[0] / "6571_kota_tarakan.csv"
    rows = people("6571", 40)
    for r in rows[:3]:  # 3 of 40 = 7.5 % > 5 %
        r["JENIS_KLMIN"] = "X"
    path.unlink()
    write_csv(settings.raw_dir / SNAPSHOTS[0] / "6571_tarakan_fixed.csv", rows)
    try:
        outcome = _rerun(deployment)
        assert not outcome.ok and not outcome.published
        assert _publication_fingerprint(settings.publish_dir) == before
        why = [p for p in outcome.problems if "gx_ingested_file" in p.what]
        assert len(why) == 1 and "6571" in why[0].what and SNAPSHOTS[0] in why[0].what
        assert "reject_rate_within_limit" in why[0].message
        gate = [p for p in outcome.problems if p.stage == "marts"]
        assert gate and f"{SNAPSHOTS[0]}/6571.csv" in gate[0].message  # the publish gate names the file

        # The one setting that switches the check off (a file may reject all its rows) says so, in the
        # run's output and in the manifest of what it published.
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("KTP_MAX_REJECT_RATE", "1")
            lenient = Settings.from_env()
            with dagster_instance() as instance:
                outcome = run_pipeline(lenient, instance)
        assert outcome.ok, outcome.problems
        off = [w for w in outcome.warnings if w.stage == "settings"]
        assert [w.what for w in off] == [
            "reject_rate_within_limit (KTP_MAX_REJECT_RATE=1: a file may reject all its rows)"
        ]
        manifest = json.loads((settings.publish_dir / "manifest.json").read_text())
        assert manifest["validation"]["checks_switched_off"] == [off[0].what]
        report = json.loads((settings.reports_dir / "last_run.json").read_text())
        assert off[0].what in [w["what"] for w in report["warnings"]]

        # Back to the default limit, nothing else changed: the files already loaded are judged by the
        # limit again, not waved through by their validation under the lenient one.
        outcome = _rerun(deployment)
        assert not outcome.ok and not outcome.published
        why = [p for p in outcome.problems if "gx_ingested_file" in p.what]
        assert len(why) == 1 and "6571" in why[0].what and "reject_rate_within_limit" in why[0].message
    finally:
        _restore_raw(deployment)


def test_after_the_data_is_fixed_the_next_run_publishes_a_new_release(deployment):
    settings = deployment["settings"]
    before = _publication_fingerprint(settings.publish_dir)
    outcome = _rerun(deployment)
    assert outcome.ok, outcome.problems
    after = _publication_fingerprint(settings.publish_dir)
    assert after["<target>"] != before["<target>"]
    # same data as the first run: the same marts, in a new release
    assert after["coverage_village.csv"] == deployment["first_published"]["coverage_village.csv"]


def test_a_nik_in_a_mart_fails_the_pii_check_and_publishes_nothing(deployment):
    import dagster as dg

    from pipelines.defs.publish.assets import published
    from pipelines.defs.resources import KtpSettings, WarehouseRunLock

    settings = deployment["settings"]
    before = _publication_fingerprint(settings.publish_dir)
    with duckdb.connect(str(settings.warehouse)) as conn:
        conn.execute(
            "update marts.coverage_village set area_name = 'Desa 6501011705900001' "
            "where area_code = (select min(area_code) from marts.coverage_village)"
        )
    with dg.DagsterInstance.ephemeral() as instance:
        ktp = KtpSettings()
        resources = {"ktp": ktp, "run_lock": WarehouseRunLock(ktp=ktp)}
        result = dg.materialize([published], resources=resources, instance=instance, raise_on_error=False)
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == "pii_scan" and not evaluation.passed
    assert "coverage_village" in str(evaluation.metadata["findings"].value)
    assert _publication_fingerprint(settings.publish_dir) == before


# ---------------------------------------------------------------------------------------------------------
# The coverage report: every figure on the page against the published marts, read here from their CSV.

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember"]  # fmt: skip


def _mart(publish_dir: Path, mart: str) -> list[dict[str, str]]:
    with (publish_dir / f"{mart}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _latest(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    last = max(r["snapshot_date"] for r in rows)
    return [r for r in rows if r["snapshot_date"] == last]


def _thousands(value: str) -> str:
    return f"{int(value):,}".replace(",", ".")


def _pct(value: str) -> str:
    """A mart's decimal as the page writes it: '98.69' -> '98,69 %'."""
    return "–" if value == "" else value.replace(".", ",") + " %"


def _signed(value: str, unit: str = "") -> str:
    if value == "":
        return "–"
    text = value.lstrip("-").replace(".", ",") if "." in value else _thousands(value.lstrip("-"))
    if text.strip("0,") == "":
        return "±" + text + unit
    return ("-" if value.startswith("-") else "+") + text + unit


def _date(value: str) -> str:
    year, month, day = value.split("-")
    return f"{int(day)} {BULAN[int(month) - 1]} {year}"


def _number(value: str) -> float | None:
    return None if value == "" else float(value)


def test_the_coverage_report_says_what_the_published_marts_say(deployment):
    publish = deployment["settings"].publish_dir
    page = ReportPage.read(publish / "report" / "index.html")
    (province,) = _latest(_mart(publish, "coverage_province"))
    regencies = _latest(_mart(publish, "coverage_regency"))
    trend = {t["area_code"]: t for t in _latest(_mart(publish, "coverage_trend"))}
    assert page.figure("province-headline") == (
        f"{_thousands(province['sudah_rekam'])} dari {_thousands(province['wajib_ktp'])} wajib KTP, "
        f"{_pct(province['coverage_pct'])}"
    )
    assert page.figure("province-coverage") == _pct(province["coverage_pct"])
    assert page.figure("province-belum") == _thousands(province["belum_rekam"])
    assert page.figure("province-belum-change") == _signed(trend["65"]["belum_rekam_change"])
    assert page.figure("province-change") == _signed(trend["65"]["coverage_change_pts"], " poin")
    assert page.figure("province-pemula") == (
        f"{_thousands(province['pemula_rekam'])} dari {_thousands(province['pemula_wajib'])} pemula"
    )
    assert page.figure("province-pemula-coverage") == _pct(province["pemula_coverage_pct"])
    assert page.figure("snapshot") == _date(province["snapshot_date"])

    table = page.rows("tabel-kabupaten", "data-area")
    assert list(table) == ["65"] + [r["area_code"] for r in regencies]
    for area in [province, *regencies]:
        t = trend[area["area_code"]]
        projected = (
            _date(t["projected_zero_date"])
            if t["projected_zero_date"]
            else ("sudah tuntas" if area["belum_rekam"] == "0" else "tidak menurun")
        )
        assert table[area["area_code"]] == [
            area["area_name"],
            _thousands(area["wajib_ktp"]),
            _thousands(area["sudah_rekam"]),
            _pct(area["coverage_pct"]),
            _signed(t["coverage_change_pts"], " poin"),
            _thousands(area["belum_rekam"]),
            _signed(t["belum_rekam_change"]),
            f"{_thousands(area['pemula_rekam'])} dari {_thousands(area['pemula_wajib'])}",
            _pct(area["pemula_coverage_pct"]),
            area["zone"],
            projected,
            "ya" if t["on_track"] == "true" else "tidak",
        ]

    # The map: every district of the mart, with its figures and zone.
    districts = {d["area_code"]: d for d in _latest(_mart(publish, "coverage_district"))}
    names = {r["area_code"]: r["area_name"] for r in regencies}
    features = page.spec("peta_kecamatan")["data"]["values"]
    assert sorted(f["properties"]["area_code"] for f in features) == sorted(districts) and len(features) == 55
    for f in features:
        p, d = f["properties"], districts[f["properties"]["area_code"]]
        assert (p["area_name"], p["regency_name"], p["zone"]) == (
            d["area_name"], names[d["parent_code"]], d["zone"] or "tanpa data"
        )  # fmt: skip
        assert (p["wajib_ktp"], p["sudah_rekam"], p["belum_rekam"]) == tuple(
            int(d[k]) for k in ("wajib_ktp", "sudah_rekam", "belum_rekam")
        )
        assert (p["coverage_pct"], p["pemula_coverage_pct"]) == (
            _number(d["coverage_pct"]), _number(d["pemula_coverage_pct"])
        )  # fmt: skip

    bars = chart_values(page.spec("cakupan_kabupaten"))[0]
    assert [(b["area_code"], b["coverage_pct"], b["pemula_coverage_pct"], b["zone"]) for b in bars] == [
        (r["area_code"], _number(r["coverage_pct"]), _number(r["pemula_coverage_pct"]), r["zone"])
        for r in regencies
    ]

    all_trend = [t for t in _mart(publish, "coverage_trend") if t["area_code"] != "65"]
    drawn = [v for values in chart_values(page.spec("tren_belum_rekam")) for v in values]
    observed = [v for v in drawn if v.get("kind") == "tercatat"]
    assert sorted((o["area_name"], o["snapshot_date"], o["belum_rekam"]) for o in observed) == sorted(
        (t["area_name"], t["snapshot_date"], int(t["belum_rekam"])) for t in all_trend
    )
    # Each projection runs from the latest count down to zero on the projected date.
    projected = sorted(
        (v["area_name"], v["snapshot_date"], v["belum_rekam"]) for v in drawn if v.get("kind") == "perkiraan"
    )
    assert projected == sorted(
        point
        for t in trend.values()
        if t["area_code"] != "65" and t["projected_zero_date"]
        for point in (
            (t["area_name"], t["snapshot_date"], int(t["belum_rekam"])),
            (t["area_name"], t["projected_zero_date"], 0),
        )
    )
    assert {v["target_date"] for v in drawn if "target_date" in v} == {trend["65"]["target_date"]}

    cohorts: dict[tuple[str, str], int] = {}
    for c in _latest(_mart(publish, "coverage_age_cohort")):
        key = (c["age_cohort"], {"L": "Laki-laki", "P": "Perempuan"}[c["sex"]])
        cohorts[key] = cohorts.get(key, 0) + int(c["belum_rekam"])
    pyramid = chart_values(page.spec("piramida_belum_rekam"))[0]
    assert {(p["age_cohort"], p["sex"]): p["belum_rekam"] for p in pyramid} == cohorts

    months: dict[str, list[int]] = {}
    for p in _latest(_mart(publish, "pemula_outlook")):
        counts = months.setdefault(p["month_turning_17"], [0, 0])
        counts[0] += int(p["persons"])
        counts[1] += int(p["recorded_early"])
    bars = chart_values(page.spec("pemula_per_bulan"))[0]
    early = {b["month"]: b["persons"] for b in bars if b["status"] == "sudah rekam lebih awal"}
    later = {b["month"]: b["persons"] for b in bars if b["status"] == "belum rekam"}
    assert early == {m: c[1] for m, c in months.items()}
    assert later == {m: c[0] - c[1] for m, c in months.items()}
    assert page.figure("pemula-persons") == _thousands(str(sum(c[0] for c in months.values())))
    assert page.figure("pemula-recorded") == _thousands(str(sum(c[1] for c in months.values())))

    district_names = {code: d["area_name"] for code, d in districts.items()}
    outreach = sorted(_latest(_mart(publish, "outreach_priority")), key=lambda o: int(o["priority_rank"]))
    table = page.rows("tabel-prioritas", "data-village")
    counts = ("belum_rekam", "belum_rekam_pemula", "deactivation_risk", "upcoming_pemula_unrecorded")
    assert table == {
        o["village_code"]: [
            o["priority_rank"],
            o["village_name"],
            district_names[o["district_code"]],
            names[o["regency_code"]],
            *(_thousands(o[k]) for k in counts),
        ]
        for o in outreach[:20]
    }
    assert len(table) == 20

    files = _latest(_mart(publish, "ingest_summary"))
    table = page.rows("tabel-berkas", "data-file")
    columns = ("rows_read", "rows_loaded", "rows_rejected", "duplicates_superseded")
    assert table.pop("jumlah") == [
        "Jumlah",
        *(_thousands(str(sum(int(f[k]) for f in files))) for k in columns),
    ]
    assert table == {
        f["source_file"]: [names[f["regency_code"]], f["source_file"], *(_thousands(f[k]) for k in columns)]
        for f in files
    }
    for chart, mart, key in (("penolakan_per_alasan", "reject_reasons", "reason"),
                             ("tanda_kualitas", "quality_flags", "flag")):  # fmt: skip
        expected: dict[str, int] = {}
        for r in _latest(_mart(publish, mart)):
            expected[r[key]] = expected.get(r[key], 0) + int(r["rows"])
        assert {v["code"]: v["rows"] for v in chart_values(page.spec(chart))[0]} == expected

    manifest = json.loads((publish / "manifest.json").read_text())
    assert manifest["validation"]["success"] is True
    (status,) = page.root.find_all(id="checks-status")
    assert status.text() == "semua pemeriksaan lulus"
    # The report is made before the PII scan, which reads the report too: it counts the checks before it.
    before_scan = [c for c in manifest["validation"]["checks"] if c.get("check") != "pii_scan"]
    assert page.figure("checks-validations") == str(len(before_scan))
    (link,) = page.root.find_all("a", id="data-docs-link")
    assert link.attrs["href"] == Path(manifest["validation"]["report"]).resolve().as_uri()


def test_the_report_is_listed_in_the_manifest_and_scanned_for_personal_data(deployment, tmp_path):
    publish = deployment["settings"].publish_dir
    manifest = json.loads((publish / "manifest.json").read_text())
    listed = {f["file"]: f["sha256"] for f in manifest["report"]["files"]}
    report = publish / "report"
    assert set(listed) == {f"report/{p.name}" for p in report.iterdir()}
    assert len([f for f in listed if f.endswith(".png")]) == 7
    for name, digest in listed.items():
        assert hashlib.sha256((publish / name).read_bytes()).hexdigest() == digest
    # The report is made from the marts only: no mart holds an identifier, and neither does the page.
    release = tmp_path / "release"
    shutil.copytree(os.path.realpath(publish), release)
    assert scan_for_pii(release) == []
    page = release / "report" / "index.html"
    original = page.read_text(encoding="utf-8")
    # A NIK in a chart's data is found, although the page also inlines Vega (exempt only unchanged).
    page.write_text(
        original.replace('"area_name": "', '"area_name": "6501011705900001 ', 1), encoding="utf-8"
    )
    (finding,) = scan_for_pii(release)
    assert finding.file == page and finding.example == "650101******0001"
    # A changed Vega bundle is scanned like any text, and its numeric literals then read as NIKs.
    page.write_text(original.replace("window.vegaEmbed=", "window.vegaEmbed =", 1), encoding="utf-8")
    assert [f.file for f in scan_for_pii(release)] == [page]


# ---------------------------------------------------------------------------------------------------------
# Reports people open, after the blocked runs above have added failed validations to the Data Docs.

# What a browser would fetch or follow: src/href attributes, CSS url() and @import.
_REFERENCE = re.compile(
    r"""\b(?:src|href)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^)"']*)|@import\s+["']([^"']*)"""
)


def _references(text: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _REFERENCE.finditer(text)]


def _failed_validation_page(reports: Path, suite: str) -> Path:
    """The Data Docs page of a validation of `suite` that failed (GX keeps each result as JSON)."""
    for result in sorted((reports / "gx" / "validations" / suite).rglob("*.json")):
        if json.loads(result.read_text())["success"] is False:
            relative = result.relative_to(reports / "gx").with_suffix(".html")
            return reports / "data_docs" / relative
    raise AssertionError(f"no failed {suite} validation: the blocked runs of this module make one")


def test_data_docs_load_nothing_remote_and_every_link_resolves(deployment):
    settings = deployment["settings"]
    site = settings.reports_dir / "data_docs"
    pages = sorted(site.rglob("*.html"))
    files = pages + sorted(site.rglob("*.css"))
    assert len(pages) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        remote = [u for u in _references(text) if re.match(r"(?i)(https?:)?//", u.strip())]
        assert remote == [], path
        assert not re.search(r"(?i)\b(src|href)\s*=\s*[\"']?https?://", text), path
        for url in _references(text):
            local = url.split("#")[0].split("?")[0]
            if local and not re.match(r"(?i)[a-z]+:", local):
                assert (path.parent / local).exists(), f"{path.relative_to(site)} links to missing {url}"
    # Every suite that ran has its page, and every validation page links to its suite's page.
    suites = {s for (s,) in _query(settings, "select distinct suite from audit.validation_history")}
    assert suites == {"ingested_file", "snapshot", "marts", "warnings"}
    for suite in suites:
        assert (site / "expectations" / f"{suite}.html").is_file()
        for page in (site / "validations" / suite).rglob("*.html"):
            assert f"expectations/{suite}.html" in page.read_text(encoding="utf-8")


def test_reports_open_in_chromium_with_no_request_leaving_the_machine(deployment):
    settings = deployment["settings"]
    reports = settings.reports_dir
    failed = _failed_validation_page(reports, "snapshot")
    passed = sorted((reports / "data_docs" / "validations" / "marts").rglob("*.html"))[-1]
    with chromium() as browser:
        report = browser.open(
            settings.publish_dir / "report" / "index.html",
            screenshot="coverage_report.png",
            ready="window.reportCharts",
        )
        drawn = report.page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => [
                el.dataset.chart, el.dataset.drawn || null,
                // Vega draws a chart's data marks inside its `role-mark` groups (axes and legends apart).
                el.querySelectorAll('svg.marks .role-mark > *').length])"""
        )
        failed_visit = browser.open(failed, screenshot="data_docs_failed.png")
        icons = failed_visit.page.evaluate(
            """() => Array.from(document.querySelectorAll('.fa-times.text-danger')).map(el => {
                const box = el.getBoundingClientRect();
                const row = el.closest('tr');
                return [getComputedStyle(el, '::before').content, getComputedStyle(el).fontFamily,
                        box.width, box.height, row ? row.innerText : null];
            })"""
        )
        passed_visit = browser.open(passed, screenshot="data_docs_passed.png")
        passed_icons = passed_visit.page.locator(".fa-check-circle.text-success").count()
    for visit in (report, failed_visit, passed_visit):
        assert visit.requests and all(u.startswith(("file:", "data:")) for u in visit.requests), (
            visit.requests
        )
        assert visit.failed == [] and visit.page_errors == [] and visit.console_errors == [], visit
        assert visit.screenshot.stat().st_size > 10_000
    assert [d[0] for d in drawn] == ReportPage.read(settings.publish_dir / "report" / "index.html").charts()
    assert all(state == "yes" and marks > 0 for _, state, marks in drawn), drawn
    # The failed expectation's status is drawn: Font Awesome's glyph from the local font, not a blank.
    assert icons and all(c not in ("none", "normal", '""') and "Font Awesome" in f and w > 0 and h > 0
                         for c, f, w, h, _ in icons), icons  # fmt: skip
    # ... on the row of the expectation that failed (all five regencies present: one was removed).
    rows = [row for *_, row in icons if row]
    assert any("five regencies" in row for row in rows), rows
    assert passed_icons > 0
