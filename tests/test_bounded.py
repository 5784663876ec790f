"""Worker processes with a deadline per input (pipeline/bounded.py): one slow or failing input never
takes another input's result, and never stops the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bounded_tasks import die_on_three, fail_on_seven, square_or_sleep, worker_pid

from pipeline import bounded

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent


def test_an_input_past_its_deadline_is_an_overrun_and_the_others_get_their_results() -> None:
    started = time.monotonic()
    results = bounded.map_bounded(square_or_sleep, [2, -30, 3, 4], 1.0, workers=2)
    took = time.monotonic() - started
    assert results[0] == 4 and results[2] == 9 and results[3] == 16
    assert isinstance(results[1], bounded.Overrun)
    assert "took longer than 1 s" in results[1].reason
    assert took < 20, f"the slow input was not stopped at its deadline ({took:.1f} s)"


def test_the_deadline_counts_per_input_not_per_run() -> None:
    # Four inputs of 0.4 s each on one worker take 1.6 s in all, yet none is past its 1.5 s deadline.
    results = bounded.map_bounded(square_or_sleep, [-0.4, -0.4, -0.4, -0.4], 1.5, workers=1)
    assert results == [0.16000000000000003] * 4


def test_a_killed_worker_is_replaced_for_the_next_inputs() -> None:
    before = set(bounded.map_bounded(worker_pid, [0], 5, workers=1))
    assert isinstance(bounded.call_bounded(square_or_sleep, -30, 0.5), bounded.Overrun)
    after = bounded.call_bounded(worker_pid, 0, 5)
    assert isinstance(after, int) and after not in before  # a new process, still working
    assert bounded.call_bounded(square_or_sleep, 5, 5) == 25


def test_an_exception_is_that_inputs_outcome_only() -> None:
    results = bounded.map_bounded(fail_on_seven, [6, 7, 8], 5, workers=1)
    assert results[0] == 6 and results[2] == 8
    assert isinstance(results[1], bounded.Overrun) and "ValueError: seven is refused" in results[1].reason


def test_a_worker_that_dies_gives_an_overrun_and_the_run_goes_on() -> None:
    results = bounded.map_bounded(die_on_three, [1, 2, 3, 4, 5], 5, workers=2)
    assert [r for i, r in enumerate(results) if i != 2] == [1, 2, 4, 5]
    assert isinstance(results[2], bounded.Overrun) and "exit code 9" in results[2].reason


def test_workers_are_reused_between_calls_and_are_not_this_process() -> None:
    first = bounded.call_bounded(worker_pid, 0, 5)
    second = bounded.call_bounded(worker_pid, 0, 5)
    assert first == second != os.getpid()


def test_no_input_starts_no_worker() -> None:
    bounded.shutdown()
    assert bounded.map_bounded(square_or_sleep, [], 1) == []
    assert bounded._pool().workers == []


def test_workers_hold_no_secret_from_the_environment(tmp_path: Path) -> None:
    # A fresh process whose environment holds secrets from the start, as a CI job's does.
    script = ("import json, sys; from pipeline import bounded; from bounded_tasks import environment; "
              "print(json.dumps(bounded.call_bounded(environment, 0, 30)))")
    env = {**os.environ, "WARTA_SIGNING_KEY": "-----BEGIN OPENSSH PRIVATE KEY----- rahasia",
           "AWS_SECRET_ACCESS_KEY": "rahasia", "PYTHONPATH": os.pathsep.join([str(PROJECT), str(TESTS)])}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert "PATH" in seen  # what the operating system needs stays
    assert "WARTA_SIGNING_KEY" not in seen and "AWS_SECRET_ACCESS_KEY" not in seen
    assert not any("rahasia" in value for value in seen.values())
