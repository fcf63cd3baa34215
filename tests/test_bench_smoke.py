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


def test_the_load_benchmarks_staffed_compound_seeds(tmp_path: Path) -> None:
    """``bench.staffed`` (the load benchmark's booking-offered scenario) still builds its
    compound on the current models, and counts what was booked there."""
    url = f"sqlite://{tmp_path}/staffed.sqlite3"
    root = Path(__file__).parent.parent

    def staffed(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "bench.staffed", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    staffed("seed", url, "5")
    assert json.loads(staffed("count", url)) == [0, 0]
