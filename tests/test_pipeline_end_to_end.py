"""The whole chain on generated extracts: ingest -> dbt -> GX -> publish, and the publish gate.

One module-scoped deployment is run several times, as a data engineer would: a good run publishes,
then a run missing a regency and a run with too many rejects are blocked and leave the publication
byte-for-byte as it was. Mart figures are checked against the generator's own answer key, which
counts the people it wrote without any of the project's SQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.dbt_docs import docs_dir, write_dbt_docs
from pipelines.publish.mart_keys import MART_KEYS, order_by_clause
from pipelines.run import dagster_instance, run_pipeline
from pipelines.settings import REPO_ROOT, Settings
from tests.support.extracts import people, write_csv
from tests.support.readme import snippet

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
    assert {p.name for p in docs.iterdir()} == {"index.html", "manifest.json", "catalog.json", ".fingerprint"}
    catalog = json.loads((docs / "catalog.json").read_text())
    assert "model.ktp_warehouse.coverage_province" in catalog["nodes"]  # read from this warehouse
    quarantine = sorted((reports / "quarantine").rglob("*.csv"))
    assert len(quarantine) == 10  # every file of the generator has rejects
    text = quarantine[0].read_text(encoding="utf-8")
    assert "*" in text and "reason" in text.splitlines()[0]
    report = json.loads((reports / "last_run.json").read_text())
    assert report["ok"] is True
    steps = {s["step"] for s in report["steps"]}
    assert {"regency_extract", "extract_inventory", "dbt_marts", "published", "audit_reports"} <= steps
    assert all(s["seconds"] is not None and s["seconds"] >= 0 for s in report["steps"])
    # The files land together (one step each, in parallel), then one run builds, checks and
    # publishes, whatever the number of files; a second writes the reports.
    jobs = [r["job"] for r in report["runs"]]
    assert jobs == ["landing", "build_and_publish", "write_audit_reports"]
    landed = [s for s in report["steps"] if s["job"] == "landing"]
    assert sorted(s["partition"] for s in landed) == sorted(
        f"{r}|{s}" for s in ("2026-03-31", "2026-09-30") for r in ("6501", "6502", "6503", "6504", "6571")
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
        for mart in MART_KEYS:
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
    published = {p.name for p in Path(os.path.realpath(publish_dir)).iterdir()} - {"datapackage.json"}
    assert {r["path"] for r in resources.values()} == published
    marts = _published_marts(deployment["settings"])
    for mart, (typed, rows) in marts.items():
        for name in (mart, f"{mart}-parquet", f"{mart}-xlsx"):
            schema = resources[name]["schema"]
            assert [f["name"] for f in schema["fields"]] == [c for c, _ in typed]
            assert schema["primaryKey"] == list(MART_KEYS[mart])
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
    assert book.sheetnames == list(MART_KEYS)
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
    (marts,) = [c for c in suites if c.get("suite") == "marts"]
    assert marts["name"] == "gx_marts" and marts["expectations"] > 0
    # every error-severity dbt test of the build, by its asset and name, as Dagster knows them
    from pipelines.assets.marts import dbt_marts

    blocking = {
        f"{spec.asset_key.to_user_string()}:{spec.name}" for spec in dbt_marts.check_specs if spec.blocking
    }
    listed = {f"{c['asset']}:{c['name']}" for c in checks if c["check"] == "dbt_test"}
    assert listed == blocking and len(listed) > 50
    (pii,) = [c for c in checks if c["check"] == "pii_scan"]
    assert sorted(pii["files_scanned"]) == sorted([f["file"] for f in manifest["files"]] + ["manifest.json"])


def test_dbt_parses_the_project_once_per_warehouse(deployment):
    """The build and the docs reuse the parse made in the background while the files were loading."""
    log = (deployment["settings"].dbt_target_dir / "dbt.log").read_text(encoding="utf-8")
    # The background `dbt parse` is the only full parse; build and docs log no reason to parse again.
    assert re.findall(r"Unable to do partial parsing because ([^.\"]+)", log) == ["saved manifest not found"]
    assert "Command `dbt parse` succeeded" in log
    # Build and docs run in the run's process (dbt names them `cli ...` then), logging to the same file.
    assert "Command `cli build` succeeded" in log and "Command `cli docs generate` succeeded" in log
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
            f["file"]: (f["rows_written"], f["rows_valid"], f["rows_rejected"], f["duplicates_superseded"])
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
        assert gate and "6571_tarakan_fixed.csv" in gate[0].message  # the publish gate names the file

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

    from pipelines.assets.publication import published
    from pipelines.resources import KtpSettings, WarehouseRunLock

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
