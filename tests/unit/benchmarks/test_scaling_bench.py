"""The pure parts of the scaling benchmark: how a pause is read from output arrivals, and
how its section replaces its part of docs/benchmarks.md."""

from __future__ import annotations

import pytest

from benchmarks.results_page import SCALING_END, SCALING_START, replace_scaling_section
from benchmarks.scaling_bench import PARTITIONS, Outputs

pytestmark = pytest.mark.unit


def outputs(arrivals: dict[int, list[float]]) -> Outputs:
    result = Outputs()
    result.arrivals = arrivals
    return result


def test_the_pause_is_the_longest_gap_spanning_the_event() -> None:
    seen = outputs({0: [0.0, 0.1, 0.2, 3.2, 3.3], 1: [0.05, 0.15, 0.25, 0.35, 1.0]})
    gaps = seen.longest_gaps(start=0.25, end=4.0)
    # Partition 0 stopped at 0.2 (before the event) and came back at 3.2: 3.0 s, whole.
    assert gaps[0] == pytest.approx(3.0)
    assert gaps[1] == pytest.approx(0.65)
    # Nothing at all after the event: the whole window is the pause.
    assert outputs({2: [0.0]}).longest_gaps(1.0, 5.0)[2] == pytest.approx(5.0)


def test_outputs_are_attributed_to_the_input_partition_of_their_article() -> None:
    seen = Outputs()
    seen.partition_of = {"a": 0, "b": 3}
    seen.record("a", 1.0)
    seen.record("b", 1.5)
    seen.record("unknown", 2.0)  # not ours (an article of another run)
    assert seen.arrivals == {0: [1.0], 3: [1.5]}


def test_flowing_needs_every_partition_recently() -> None:
    recent = {p: [9.5] for p in range(PARTITIONS)}
    assert outputs(recent).flowing(now=10.0)
    assert not outputs({**recent, 0: [5.0]}).flowing(now=10.0)
    assert not outputs({0: [9.9]}).flowing(now=10.0)


def test_the_scaling_section_is_replaced_in_place_or_appended() -> None:
    page = f"# Benchmarks\n\nintro\n\n{SCALING_START}\nold figures\n{SCALING_END}\n\n## Next\n"
    new = replace_scaling_section(page, [SCALING_START, "new figures", SCALING_END])
    assert "old figures" not in new and "new figures" in new
    assert new.index("new figures") < new.index("## Next")
    appended = replace_scaling_section("# Benchmarks\n", [SCALING_START, "x", SCALING_END])
    assert appended == f"# Benchmarks\n\n{SCALING_START}\nx\n{SCALING_END}\n"


def fake_run(pauses: dict[str, list[float]]) -> dict[str, object]:
    events = [
        {
            "kind": kind,
            "cycle": n + 1,
            "pause_max_s": pause,
            "pause_min_s": pause / 2,
            "settled_after_s": 10.0,
            "stop_s": 4.0 if kind == "leave" else None,
        }
        for kind, values in pauses.items()
        for n, pause in enumerate(values)
    ]
    return {
        "rate": 40.0,
        "cycles": len(pauses["join"]),
        "partitions": 4,
        "articles_sent": 1000,
        "webhook_deliveries": 3,
        "load_average_before": [1.0, 1.0, 1.0],
        "load_average_after": [1.0, 1.0, 1.0],
        "events": events,
        "memory": {"worker_a_peak_mib": 150.0, "stack_peak_mib": 300.0},
    }


def test_runs_are_shown_each_and_pooled() -> None:
    from benchmarks.results_page import scaling_section

    first = fake_run({"join": [9.0, 5.0], "leave": [6.0, 7.0]})
    second = fake_run({"join": [3.0], "leave": [8.0]})
    text = "\n".join(scaling_section([first, second]))
    assert text.count("| join |") == 3 and "Run 2:" in text
    # Pooled over both runs: joins 3, 5, 9 -> median 5; leaves 6, 7, 8 -> median 7.
    assert "a worker joining, longest pause over the partitions: median 5.0 s (min 3.0" in text
    assert "n = 3)" in text
    assert "a worker leaving, longest pause over the partitions: median 7.0 s" in text
    assert "run 2: worker a | 150" in text
