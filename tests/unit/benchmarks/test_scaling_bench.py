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
