"""The instant-matching benchmark still runs against the code it measures (it wraps a
private step of the booking service to time it), in a small run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_instant_benchmark_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.instant", "--volunteers", "300", "--bookings", "5"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["bookings"] == 5
    assert report["offered"] > 0
    assert report["matching_p50_ms"] > 0
