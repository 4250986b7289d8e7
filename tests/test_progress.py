"""The headless run's progress display on its own: plain lines off a terminal, a bar on one."""

from __future__ import annotations

import io

from pipelines.lib.runs.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _work(progress: Progress) -> None:
    progress.begin("landing", total=2)
    progress.file_landed("2026-03-31/6501_a.csv", "landed", 1366, 0.2, None)
    progress.file_landed("2026-03-31/6502_b.csv", "refused", 0, 0.0, "UTF-16 is not accepted; save as UTF-8")
    progress.stage("landing", 0.4, detail="1 landed, 0 unchanged, 1 refused")
    progress.dagster_event("dbt_marts", "STEP_START", None)
    for _ in range(3):
        progress.dagster_event("dbt_marts", "ASSET_MATERIALIZATION", None)
    progress.dagster_event("dbt_marts", "STEP_SUCCESS", 6.25)
    progress.dagster_event("published", "STEP_START", None)
    progress.dagster_event("published", "STEP_FAILURE", 0.5)


def test_off_a_terminal_each_event_is_one_plain_line():
    out = io.StringIO()
    progress = Progress(out)
    judged = []
    progress.after_step["dbt_marts"] = lambda: judged.append(True)
    _work(progress)
    assert not progress.interactive
    assert out.getvalue().splitlines() == [
        "landed   2026-03-31/6501_a.csv: 1,366 rows in 0.20 s",
        "refused  2026-03-31/6502_b.csv: UTF-16 is not accepted; save as UTF-8",
        "stage    landing: done in 0.4 s (1 landed, 0 unchanged, 1 refused)",
        "stage    dbt build: done in 6.2 s",
        "stage    publication: FAILED in 0.5 s",
    ]
    assert judged == [True]  # what the run says after dbt, said once dbt has succeeded


def test_on_a_terminal_the_same_lines_come_with_a_bar_that_goes_away():
    out = _Terminal()
    progress = Progress(out)
    _work(progress)
    progress.close()
    text = out.getvalue()
    assert progress.interactive and "\x1b[" in text  # the bar drew itself
    for line in ("landed   2026-03-31/6501_a.csv: 1,366 rows in 0.20 s", "stage    dbt build: done in 6.2 s"):
        assert line in text


def test_quiet_says_nothing():
    out = _Terminal()
    _work(Progress(out, quiet=True))
    assert out.getvalue() == ""
