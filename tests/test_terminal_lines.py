"""A file name is data from an office: on the console it cannot add a line or steer the terminal.

A name with a line break forged a `published to …` line under a blocked run's summary, and one with an
escape sequence cleared the screen. Every console line of the headless run goes through one function
(pipelines/lib/runs/terminal.py); these run the real summary and progress printers on such names.
"""

from __future__ import annotations

import io
import re

from pipelines.cli.run import report
from pipelines.lib.runs.outcome import Problem, RunOutcome
from pipelines.lib.runs.progress import Progress
from pipelines.lib.runs.terminal import one_line

FORGED = "2026-03-31/6501_x\npublished to /srv/ktp/published\x1b[2J\x1b]0;owned\x07\u202egpj.csv"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def test_control_characters_are_written_out_not_sent():
    shown = one_line(FORGED)
    assert not _CONTROL.search(shown)
    assert shown == (
        "2026-03-31/6501_x\\npublished to /srv/ktp/published\\x1b[2J\\x1b]0;owned\\x07\\u202egpj.csv"
    )
    assert (
        one_line("6571 Kota Tarakan|2026-03-31: 1,234 rows, 98.5 %")
        == "6571 Kota Tarakan|2026-03-31: 1,234 rows, 98.5 %"
    )


def test_a_blocked_runs_summary_keeps_one_line_per_problem_whatever_the_file_is_called(ktp_env):
    outcome = RunOutcome(started_at="2026-12-01T00:00:00+00:00", snapshots=["2026-03-31"])
    outcome.problems.append(Problem("ingest", FORGED, "required column(s) missing: NIK"))
    outcome.files_dropped.append(FORGED)
    out, err = io.StringIO(), io.StringIO()
    status = report(ktp_env, outcome, ktp_env.reports_dir / "last_run.log", out, err)
    assert status == 1
    lines = out.getvalue().splitlines()
    assert not any(_CONTROL.search(line) for line in lines + err.getvalue().splitlines())
    # the only lines are the summary's own: none starts where the name's line break was
    assert not any(line.startswith("published to") for line in lines)
    (failed,) = [line for line in lines if line.startswith("FAILED")]
    assert "6501_x\\npublished to" in failed and failed.endswith("required column(s) missing: NIK")
    assert err.getvalue() == "NOT PUBLISHED: the previous publication (if any) is unchanged\n"


def test_progress_lines_write_a_file_name_out(tmp_path):
    stream = io.StringIO()
    progress = Progress(stream, interactive=False)
    progress.file_landed(FORGED, "refused", 0, 0.0, "empty file (0 bytes)")
    progress.file_landed(FORGED, "landed", 12, 0.5, None)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and not any(_CONTROL.search(line) for line in lines)
    assert lines[0].startswith("refused  2026-03-31/6501_x\\npublished to")
