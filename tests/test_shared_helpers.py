"""The helpers every module goes through for one concept each: sha256 and atomic writes
(pipelines/lib/fsio.py), file locks (pipelines/lib/locks.py), fingerprints (pipelines/lib/fingerprint.py).
On real files, and with real processes where the point is what another process sees."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipelines.lib.fsio import atomic_path, atomic_write, sha256_of
from pipelines.lib.locks import LockTimeout, file_lock
from pipelines.lib.settings import REPO_ROOT


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def test_sha256_of_a_file_larger_than_any_buffer(tmp_path: Path):
    path = tmp_path / "big.bin"
    data = os.urandom(3 * 2**20 + 17)
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()


def test_atomic_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path: Path):
    path = tmp_path / "new" / "stamp.json"  # the folder is made
    atomic_write(path, "first\n")
    atomic_write(path, b"second\n")
    assert path.read_bytes() == b"second\n"
    assert [p.name for p in path.parent.iterdir()] == ["stamp.json"]
    atomic_write(path, "ünïcode")
    assert path.read_bytes() == "ünïcode".encode()


def test_a_write_that_fails_leaves_the_old_file_and_no_partial_one(tmp_path: Path):
    path = tmp_path / "stamp.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half of the n", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["stamp.json"]


_SLOW_WRITER = """
import sys, time
from pathlib import Path
from pipelines.lib.fsio import atomic_path

with atomic_path(Path(sys.argv[1])) as tmp, tmp.open("wb") as fh:
    fh.write(b"partial" * 1000)
    fh.flush()
    print(tmp.name, flush=True)
    time.sleep(60)
    fh.write(b"rest")
"""


def test_a_writer_killed_mid_write_leaves_the_old_file_whole(tmp_path: Path):
    path = tmp_path / "file.parquet"
    path.write_bytes(b"old contents")
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=_env()
    )
    try:
        tmp_name = writer.stdout.readline().strip()
        assert (tmp_path / tmp_name).stat().st_size == 7000  # half-written, under another name
        assert path.read_bytes() == b"old contents"
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        writer.kill()
        writer.wait()
    assert path.read_bytes() == b"old contents"
    # Killed: its temporary file stays, hidden, never under the file's own name.
    assert tmp_name.startswith(".file.parquet.") and tmp_name.endswith(".tmp")


def test_threads_of_one_process_writing_one_file_do_not_share_a_temporary_file(tmp_path: Path):
    path = tmp_path / "file.parquet"
    contents = [bytes([i]) * 200_000 for i in range(8)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(20):
                atomic_write(path, data)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(c,)) for c in contents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert path.read_bytes() in contents  # one writer's whole file, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["file.parquet"]


def test_atomic_path_swaps_a_symlink_in_one_rename(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = tmp_path / "published"
    for target in ("a", "b"):
        with atomic_path(link) as tmp:
            os.symlink(target, tmp)
        assert os.readlink(link) == target
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "published"]


# The lock helper (pipelines/lib/locks.py): what a second process sees.

_HOLDER = """
import sys, time
from pathlib import Path
from pipelines.lib.locks import file_lock

with file_lock(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""

_TRY = """
import sys
from pathlib import Path
from pipelines.lib.locks import LockTimeout, file_lock

try:
    with file_lock(Path(sys.argv[1]), wait=0):
        print("got it")
except LockTimeout:
    print("busy")
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


def _try(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _TRY, str(path)], capture_output=True, text=True, env=_env(), timeout=60
    )
    return done.stdout.strip()


def test_the_lock_excludes_a_second_process_until_the_first_lets_go(tmp_path: Path):
    path = tmp_path / "locks" / ".lock"  # the folder is made
    holder = _hold(path, 60)
    try:
        assert _try(path) == "busy"
        with pytest.raises(LockTimeout) as refused, file_lock(path, wait=0):
            pass  # pragma: no cover - never reached
        assert refused.value.path == path
    finally:
        holder.kill()
        holder.wait()
    # Killed, not released: the kernel dropped the lock with the process.
    assert _try(path) == "got it"
    assert path.exists()  # never removed, see pipelines/lib/locks.py


def test_a_waiting_lock_says_so_once_and_gives_up_when_the_wait_runs_out(tmp_path: Path):
    path = tmp_path / ".lock"
    holder = _hold(path, 60)
    said: list[str] = []
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout), file_lock(path, wait=0.7, on_wait=lambda: said.append("waiting")):
            pass  # pragma: no cover - never reached
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert said == ["waiting"]
    assert 0.7 <= waited < 5


def test_a_waiting_lock_is_taken_as_soon_as_the_holder_ends(tmp_path: Path):
    path = tmp_path / ".lock"
    said: list[str] = []
    for wait in (30.0, None):  # polling, and blocking in the kernel
        holder = _hold(path, 1.0)
        try:
            started = time.monotonic()
            with file_lock(path, wait=wait, on_wait=lambda: said.append("waiting")) as fd:
                took = time.monotonic() - started
                os.write(fd, b"me")  # the holder may say who it is
            assert 0.3 < took < 20
            assert holder.wait(timeout=30) == 0
        finally:
            holder.kill()
            holder.wait()
    assert said == ["waiting"]  # only the polling wait calls on_wait


# The fingerprint helper (pipelines/lib/fingerprint.py).


def test_a_fingerprint_changes_with_a_byte_a_name_or_a_value_and_nothing_else(tmp_path: Path):
    from pipelines.lib.fingerprint import fingerprint

    root = tmp_path / "checkout"
    (root / "models").mkdir(parents=True)
    (root / "models" / "a.sql").write_text("select 1", encoding="utf-8")
    (root / "b.yml").write_text("x: 1", encoding="utf-8")
    files = [root / "models" / "a.sql", root / "b.yml"]
    first = fingerprint(files, relative_to=root, values={"z": 1, "a": [2, 3]})
    assert len(first) == 64
    assert fingerprint(files, relative_to=root, values={"a": [2, 3], "z": 1}) == first  # key order
    assert fingerprint(files, relative_to=root, values={"z": 1, "a": [3, 2]}) != first
    assert fingerprint(files, relative_to=root, values={"z": 1, "a": [2, 3]}, length=16) == first[:16]

    moved = tmp_path / "elsewhere"
    root.rename(moved)
    files = [moved / "models" / "a.sql", moved / "b.yml"]
    assert fingerprint(files, relative_to=moved, values={"z": 1, "a": [2, 3]}) == first  # a moved checkout
    (moved / "b.yml").rename(moved / "c.yml")
    renamed = [moved / "models" / "a.sql", moved / "c.yml"]
    assert fingerprint(renamed, relative_to=moved, values={"z": 1, "a": [2, 3]}) != first
    assert fingerprint(renamed) == fingerprint(files[:1] + [moved / "c.yml"])  # no root: bytes only
    (moved / "c.yml").write_text("x: 2", encoding="utf-8")
    assert fingerprint(renamed, relative_to=moved, values={"z": 1, "a": [2, 3]}) != first

    assert fingerprint(text="a") == hashlib.sha256(b"a").hexdigest()
    assert fingerprint(values=None) != fingerprint()  # None is a value


def test_files_under_lists_in_a_stable_order_without_generated_folders(tmp_path: Path):
    from pipelines.lib.fingerprint import files_under

    for name in ("b/x.py", "a.py", "c.sql", "__pycache__/a.py", "d/__pycache__/z.py", "e.py/f.sql"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    found = files_under(tmp_path, ("*.py", "*.sql"), skip=("__pycache__",))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.py", "b/x.py", "c.sql", "e.py/f.sql"]


def test_the_stamps_kept_in_warehouses_and_publications_keep_their_definitions(tmp_path: Path):
    """Validations recorded in audit.validation_history stay valid for the gate, a warehouse built from
    the same dbt project is not refreshed in full, and the data package's version names the same data
    as before: these fingerprints are computed as they were before the helper."""
    import json

    from pipelines.lib.dbt.project import project_files, vars_args
    from pipelines.lib.dbt.state import project_fingerprint
    from pipelines.lib.publish.datapackage import _version
    from pipelines.lib.publish.export import ExportedFile
    from pipelines.lib.quality.suites import rules_fingerprint, suite_path
    from pipelines.lib.settings import DBT_PROJECT_DIR, Settings

    limits = {"max_reject_rate": 0.05, "snapshot_date": "2025-06-30"}
    suite = hashlib.sha256(suite_path("ingested_file").read_bytes())
    suite.update(json.dumps(limits, sort_keys=True, default=str).encode())
    assert rules_fingerprint("ingested_file", limits) == suite.hexdigest()[:16]

    settings = Settings.from_env(
        {"KTP_WAREHOUSE": str(tmp_path / "w.duckdb"), "KTP_ZONE_HIJAU_MIN_PCT": "80"}
    )
    project = hashlib.sha256()
    for path in project_files():
        project.update(path.relative_to(DBT_PROJECT_DIR).as_posix().encode())
        project.update(path.read_bytes())
    project.update(json.dumps(vars_args(settings)).encode())
    assert project_fingerprint(settings) == project.hexdigest()

    files = [
        ExportedFile("b.csv", "b", "csv", 1, 2, "ab" * 32),
        ExportedFile("a.parquet", "a", "parquet", 1, 2, "cd" * 32),
    ]
    listing = hashlib.sha256(f"a.parquet:{'cd' * 32}\nb.csv:{'ab' * 32}\n".encode()).hexdigest()[:12]
    assert _version(["2025-03-31", "2025-06-30"], files, None) == f"2025.06.30+{listing}"


# Every warehouse connection (pipelines/lib/warehouse.py).


def test_a_warehouse_connection_runs_within_the_deployments_limits_and_is_closed_after(tmp_path: Path):
    import duckdb

    from pipelines.lib.settings import Settings
    from pipelines.lib.warehouse import connect

    warehouse = tmp_path / "new" / "ktp.duckdb"
    settings = Settings.from_env(
        {"KTP_WAREHOUSE": str(warehouse), "KTP_DUCKDB_MEMORY_LIMIT": "1GB", "KTP_DUCKDB_THREADS": "1"}
    )
    with pytest.raises(duckdb.Error), connect(settings, read_only=True):
        pass  # pragma: no cover - never reached
    assert not warehouse.parent.exists()  # a read-only look leaves no trace
    with connect(settings) as conn:
        conn.execute("create table t as select 1 as x")
        limit, threads, spill = conn.execute(
            "select current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('temp_directory')"
        ).fetchone()
    assert (limit, threads, spill) == ("953.6 MiB", 1, str(settings.duckdb_temp_dir))
    # Closed: another process may open it for writing now.
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('insert into t values (2)')"
    subprocess.run([sys.executable, "-c", code, str(warehouse)], check=True, timeout=60)
    with connect(warehouse, read_only=True) as conn:  # by path alone: DuckDB's defaults
        assert conn.execute("select sum(x) from t").fetchone() == (3,)
        assert conn.execute("select current_setting('memory_limit')").fetchone() != (limit,)
