"""The Monte Carlo schedule on its own: no database. Dates start on Monday 2 March 2026.

Working-day indices: 0 Mon 2, 1 Tue 3, 2 Wed 4, 3 Thu 5, 4 Fri 6, 5 Mon 9, 6 Tue 10,
7 Wed 11, 8 Thu 12, 9 Fri 13 March.
"""

from datetime import date

import pytest

from projects.scheduling import (
    FF,
    FS,
    SF,
    SS,
    CycleError,
    LinkSpec,
    TaskSpec,
    WorkingCalendar,
    schedule,
)
from projects.simulation import RUNS, simulate, working_days

MON = date(2026, 3, 2)

# Each link kind once, durations and lags chosen so every kind decides a start:
#   A 3d: days 0-2 (exclusive end 3)
#   B 2d, SS A+1: starts 1, days 1-2
#   C 4d, FS A+2: starts 3+2 = 5, days 5-8
#   D 2d, FF C+1: finish >= 9+1 = 10, so starts 8, days 8-9
#   E 3d, SF C+4 and FS B+0: finish >= 5+4 = 9 (starts 6), start >= 3: days 6-8
# The last day anything happens on: index 9, Friday 13 March.
NETWORK = (
    [
        TaskSpec("A", 3, "A"),
        TaskSpec("B", 2, "B"),
        TaskSpec("C", 4, "C"),
        TaskSpec("D", 2, "D"),
        TaskSpec("E", 3, "E"),
    ],
    [
        LinkSpec("A", "B", SS, 1),
        LinkSpec("A", "C", FS, 2),
        LinkSpec("C", "D", FF, 1),
        LinkSpec("C", "E", SF, 4),
        LinkSpec("B", "E", FS, 0),
    ],
)


def finishes(tasks, links, **kwargs) -> set[date]:
    """Every run's finish day (one day when the durations are fixed)."""
    result = simulate(tasks, links, start=MON, **kwargs)
    return {result.days.to_date(int(i)) for i in set(result.finish_indices.tolist())}


def test_fixed_durations_finish_on_the_day_worked_out_by_hand():
    tasks, links = NETWORK
    assert finishes(tasks, links) == {date(2026, 3, 13)}
    # Single-valued samples are fixed durations too; and the deterministic scheduler agrees
    # on a network without milestones.
    samples = {"A": [3, 3], "C": [4]}
    assert finishes(tasks, links, samples=samples) == {date(2026, 3, 13)}
    assert schedule(tasks, links, start=MON).finish == date(2026, 3, 13)


def test_sampled_durations_replace_the_planned_ones():
    tasks, links = NETWORK
    # C takes 6 days: days 5-10; D finishes >= 11 + 1 (days 10-11); E keeps days 6-8 (SF
    # counts from C's start). The last day is index 11: Tuesday 17 March.
    assert finishes(tasks, links, samples={"C": [6]}) == {date(2026, 3, 17)}


@pytest.mark.parametrize(
    "link, finish",
    [
        # A 3-day task from Monday followed finish to start by a milestone finishes Wednesday.
        (LinkSpec("A", "M", FS, 0), date(2026, 3, 4)),
        (LinkSpec("A", "M", FF, 0), date(2026, 3, 4)),
        (LinkSpec("A", "M", FS, 1), date(2026, 3, 5)),
        # Reached from a start: the start of the boundary's day.
        (LinkSpec("A", "M", SS, 3), date(2026, 3, 5)),
        (LinkSpec("A", "M", SF, 4), date(2026, 3, 6)),
    ],
)
def test_a_milestone_after_a_task(link, finish):
    tasks = [TaskSpec("A", 3, "A"), TaskSpec("M", 0, "M")]
    assert finishes(tasks, [link]) == {finish}


def test_a_milestone_reached_by_a_start_and_a_finish_sits_on_the_boundary_day():
    tasks = [TaskSpec("A", 3, "A"), TaskSpec("B", 1, "B"), TaskSpec("M", 0, "M")]
    # B starts Monday; SS B+3 reaches boundary 3 as FS A does: start of Thursday.
    both = [LinkSpec("A", "M", FS, 0), LinkSpec("B", "M", SS, 3)]
    assert finishes(tasks, both) == {date(2026, 3, 5)}
    # SS B+2 reaches only 2: the boundary 3 comes from A's finish alone, Wednesday.
    finish_only = [LinkSpec("A", "M", FS, 0), LinkSpec("B", "M", SS, 2)]
    assert finishes(tasks, finish_only) == {date(2026, 3, 4)}


def test_a_start_no_earlier_than_on_the_boundary_makes_it_start_driven():
    tasks = [TaskSpec("A", 3, "A"), TaskSpec("M", 0, "M", not_before=date(2026, 3, 5))]
    assert finishes(tasks, [LinkSpec("A", "M", FS, 0)]) == {date(2026, 3, 5)}


def test_successors_of_a_milestone_keep_their_indices():
    tasks = [TaskSpec("A", 3, "A"), TaskSpec("M", 0, "M"), TaskSpec("C", 1, "C")]
    links = [LinkSpec("A", "M", FS, 0), LinkSpec("M", "C", FS, 0)]
    # M is dated Wednesday, but C starts at index 3: Thursday.
    assert finishes(tasks, links) == {date(2026, 3, 5)}
    # A milestone after a milestone: both finish-driven, both on Wednesday.
    chain = [TaskSpec("A", 3, "A"), TaskSpec("M", 0, "M"), TaskSpec("N", 0, "N")]
    assert finishes(chain, [LinkSpec("A", "M", FS, 0), LinkSpec("M", "N", FS, 0)]) == {
        date(2026, 3, 4)
    }


def test_a_lone_milestone_is_on_the_start_day():
    assert finishes([TaskSpec("M", 0, "M")], []) == {MON}


def test_fixed_durations_give_a_chance_of_exactly_zero_or_one():
    tasks, links = NETWORK
    result = simulate(tasks, links, start=MON)
    assert result.runs == RUNS == 2000
    assert result.probability_by(date(2026, 3, 13)) == 1.0
    assert result.probability_by(date(2026, 3, 15)) == 1.0  # the Sunday after
    assert result.probability_by(date(2026, 3, 12)) == 0.0
    assert result.probability_by(date(2026, 2, 27)) == 0.0  # before the start
    assert result.percentile_finish(50) == result.percentile_finish(80) == date(2026, 3, 13)


def two_serial_tasks_of_two_or_four_days():
    tasks = [TaskSpec("A", 3, "A"), TaskSpec("B", 3, "B")]
    return simulate(
        tasks, [LinkSpec("A", "B", FS, 0)], start=MON, samples={"A": [2, 4], "B": [4, 2]}
    )


def test_a_two_point_distribution_gives_the_chance_worked_out_by_hand():
    # The last day is index dA + dB - 1: 3 (both 2 days, chance 1/4), 5 (one of each, 1/2)
    # or 7 (both 4 days, 1/4): Thursday 5, Monday 9 or Wednesday 11 March.
    result = two_serial_tasks_of_two_or_four_days()
    # 2,000 independent runs: the standard error of a share near 1/4 is
    # sqrt(0.25 * 0.75 / 2000) = 0.0097, so 0.03 is over three of them; the seed is fixed,
    # so the value is the same on every run of this test.
    assert result.probability_by(date(2026, 3, 5)) == pytest.approx(0.25, abs=0.03)
    assert result.probability_by(date(2026, 3, 6)) == result.probability_by(date(2026, 3, 5))
    assert result.probability_by(date(2026, 3, 9)) == pytest.approx(0.75, abs=0.03)
    assert result.probability_by(date(2026, 3, 11)) == 1.0
    assert result.percentile_finish(50) == date(2026, 3, 9)
    assert result.percentile_finish(80) == date(2026, 3, 11)
    assert set(result.finish_indices.tolist()) == {3, 5, 7}


def test_the_same_plan_and_samples_give_the_same_answer():
    first = two_serial_tasks_of_two_or_four_days()
    second = two_serial_tasks_of_two_or_four_days()
    assert first.finish_indices.tolist() == second.finish_indices.tolist()


def test_holidays_are_skipped():
    tasks = [TaskSpec("A", 3, "A")]
    result = simulate(tasks, [], start=MON, calendar=WorkingCalendar([date(2026, 3, 3)]))
    assert result.percentile_finish(50) == date(2026, 3, 5)


def test_bad_plans_are_refused():
    with pytest.raises(CycleError):
        simulate(
            [TaskSpec("A", 1, "A"), TaskSpec("B", 1, "B")],
            [LinkSpec("A", "B"), LinkSpec("B", "A")],
            start=MON,
        )
    with pytest.raises(ValueError, match="negative"):
        simulate([TaskSpec("A", 1, "A")], [], start=MON, samples={"A": [1, -1]})
    with pytest.raises(ValueError, match="at least one run"):
        simulate([TaskSpec("A", 1, "A")], [], start=MON, runs=0)


def test_working_days_of_many_spans_at_once():
    calendar = WorkingCalendar([date(2026, 3, 3)])
    firsts = [date(2026, 3, 2), date(2026, 3, 6), date(2026, 3, 9)]
    lasts = [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 6)]
    # Mon-Fri minus the Tuesday holiday: 4; Friday to Monday: 2; last before first: 0.
    assert working_days(calendar, firsts, lasts) == [4, 2, 0]
    assert [calendar.working_days_between(f, s) for f, s in zip(firsts, lasts, strict=True)] == [
        4,
        2,
        0,
    ]
    assert working_days(calendar, [], []) == []


def test_a_promise_on_the_last_accepted_day_is_kept_by_every_run():
    result = simulate([TaskSpec("A", 3, "A")], [], start=MON)
    assert result.probability_by(date(2999, 12, 31)) == 1.0
