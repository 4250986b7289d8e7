"""Reading one extract in a process of its own, for readings that could abort or bloat a process: what
the reader said, and the child's own peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipelines.lib.settings import REPO_ROOT

# VmHWM is the child's own peak (ru_maxrss would count the parent's: Linux carries it across fork and exec).
_READ = """
import json, re, sys
from pathlib import Path
from pipelines.lib.ingest.readers import ExtractError, read_extract
try:
    said = "read %d rows" % read_extract(Path(sys.argv[1])).rows
except ExtractError as e:
    said = "refused: %s" % e
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) // 1024
print(json.dumps({"said": said, "peak_mib": peak}))
"""


def read_in_child(path: Path) -> dict:
    """{"said": "read N rows" | "refused: …", "peak_mib": N}; fails the test if the child died."""
    done = subprocess.run(
        [sys.executable, "-c", _READ, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, f"the reader's process died ({done.returncode}): {done.stderr[-800:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])
