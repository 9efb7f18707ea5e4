"""The scheduler on its own: no database. Dates start on Monday 2 March 2026."""

from datetime import date

import pytest

from projects.scheduling import (
    FF,
    FS,
    SF,
    SS,
    CycleError,
    DayIndex,
    LinkSpec,
    TaskSpec,
    UnknownTaskError,
    WorkingCalendar,
    forecast,
    schedule,
    would_close_cycle,
)

MON = date(2026, 3, 2)


def dates(result, task_id):
    task = result.tasks[task_id]
    return task.start, task.finish


def two(a_days, b_days, kind, lag, *, a_not_before=None, holidays=()):
    return schedule(
        [TaskSpec("A", a_days, "A", a_not_before), TaskSpec("B", b_days, "B")],
        [LinkSpec("A", "B", kind, lag)],
        start=MON,
        calendar=WorkingCalendar(holidays),
    )


def test_the_api_example_three_days_from_monday_then_fs_lag_two():
    result = two(3, 1, FS, 2)
    assert dates(result, "A") == (date(2026, 3, 2), date(2026, 3, 4))
    assert dates(result, "B") == (date(2026, 3, 9), date(2026, 3, 9))
    assert result.finish == date(2026, 3, 9)
    assert result.working_days == 6


@pytest.mark.parametrize(
    ("lag", "b_start", "b_finish"),
    [
        (0, date(2026, 3, 5), date(2026, 3, 6)),
        (2, date(2026, 3, 9), date(2026, 3, 10)),
        (-1, date(2026, 3, 4), date(2026, 3, 5)),
        (-2, date(2026, 3, 3), date(2026, 3, 4)),
    ],
)
def test_finish_to_start(lag, b_start, b_finish):
    assert dates(two(3, 2, FS, lag), "B") == (b_start, b_finish)


@pytest.mark.parametrize(
    ("lag", "b_start", "b_finish"),
    [
        (0, date(2026, 3, 4), date(2026, 3, 5)),
        (2, date(2026, 3, 6), date(2026, 3, 9)),
        (-1, date(2026, 3, 3), date(2026, 3, 4)),
    ],
)
def test_start_to_start_from_a_task_starting_wednesday(lag, b_start, b_finish):
    result = two(3, 2, SS, lag, a_not_before=date(2026, 3, 4))
    assert dates(result, "A") == (date(2026, 3, 4), date(2026, 3, 6))
    assert dates(result, "B") == (b_start, b_finish)


@pytest.mark.parametrize(
    ("lag", "b_start", "b_finish"),
    [
        (0, date(2026, 3, 3), date(2026, 3, 4)),
        (2, date(2026, 3, 5), date(2026, 3, 6)),
        (3, date(2026, 3, 6), date(2026, 3, 9)),
        (-1, date(2026, 3, 2), date(2026, 3, 3)),
    ],
)
def test_finish_to_finish(lag, b_start, b_finish):
    assert dates(two(3, 2, FF, lag), "B") == (b_start, b_finish)


def test_finish_to_finish_never_starts_before_the_project():
    assert dates(two(3, 2, FF, -3), "B") == (date(2026, 3, 2), date(2026, 3, 3))


@pytest.mark.parametrize(
    ("lag", "b_start", "b_finish"),
    [
        (0, date(2026, 3, 4), date(2026, 3, 4)),
        (2, date(2026, 3, 6), date(2026, 3, 6)),
        (-1, date(2026, 3, 3), date(2026, 3, 3)),
    ],
)
def test_start_to_finish_from_a_task_starting_thursday(lag, b_start, b_finish):
    result = two(2, 1, SF, lag, a_not_before=date(2026, 3, 5))
    assert dates(result, "A") == (date(2026, 3, 5), date(2026, 3, 6))
    assert dates(result, "B") == (b_start, b_finish)


def test_weekends_are_skipped_and_a_weekend_start_rolls_to_monday():
    result = schedule([TaskSpec("A", 4, "A", date(2026, 3, 5))], [], start=date(2026, 2, 28))
    assert result.start == date(2026, 3, 2)
    assert dates(result, "A") == (date(2026, 3, 5), date(2026, 3, 10))


def test_a_start_no_earlier_than_on_a_saturday_rolls_to_monday():
    result = schedule([TaskSpec("A", 1, "A", date(2026, 3, 7))], [], start=MON)
    assert dates(result, "A") == (date(2026, 3, 9), date(2026, 3, 9))


def test_holidays_are_skipped_by_durations_and_lags():
    result = two(3, 1, FS, 1, holidays=[date(2026, 3, 4), date(2026, 3, 9)])
    assert dates(result, "A") == (date(2026, 3, 2), date(2026, 3, 5))
    # Friday is the lag day, Monday a holiday: Tuesday.
    assert dates(result, "B") == (date(2026, 3, 10), date(2026, 3, 10))


def test_a_project_starting_on_a_holiday_starts_the_next_working_day():
    result = schedule(
        [TaskSpec("A", 1)], [], start=MON, calendar=WorkingCalendar([date(2026, 3, 2)])
    )
    assert dates(result, "A") == (date(2026, 3, 3), date(2026, 3, 3))


def test_milestones_sit_on_their_predecessors_finish_day():
    result = schedule(
        [TaskSpec("A", 3, "A"), TaskSpec("M", 0, "M"), TaskSpec("B", 2, "B")],
        [LinkSpec("A", "M"), LinkSpec("M", "B")],
        start=MON,
    )
    assert dates(result, "M") == (date(2026, 3, 4), date(2026, 3, 4))
    # Its successor still starts the day after A finishes.
    assert dates(result, "B") == (date(2026, 3, 5), date(2026, 3, 6))
    assert result.critical_ids == ["A", "M", "B"]
    assert result.finish == date(2026, 3, 6)


def test_a_milestone_at_the_end_is_the_project_finish():
    """A 3-day task from Monday then a milestone: the plan finishes on Wednesday."""
    result = schedule(
        [TaskSpec("A", 3, "A"), TaskSpec("M", 0, "M")], [LinkSpec("A", "M")], start=MON
    )
    assert dates(result, "M") == (date(2026, 3, 4), date(2026, 3, 4))
    assert result.finish == date(2026, 3, 4)
    assert result.working_days == 3
    assert result.tasks["M"].early_day == 2
    assert result.tasks["M"].late_day == 2
    assert result.tasks["M"].total_float == 0


def test_ms_project_a_milestone_after_a_task_finishing_friday_is_dated_friday():
    """Microsoft's documented behaviour: a milestone linked finish-to-start to a task that
    finishes on a Friday is dated that Friday (end of day), and a task after the milestone
    starts on the Monday."""
    result = schedule(
        [TaskSpec("A", 5, "A"), TaskSpec("M", 0, "M"), TaskSpec("B", 1, "B")],
        [LinkSpec("A", "M"), LinkSpec("M", "B")],
        start=MON,
    )
    assert dates(result, "A") == (date(2026, 3, 2), date(2026, 3, 6))
    assert dates(result, "M") == (date(2026, 3, 6), date(2026, 3, 6))
    assert dates(result, "B") == (date(2026, 3, 9), date(2026, 3, 9))


@pytest.mark.parametrize(
    ("kind", "lag", "day"),
    [
        (FS, 0, date(2026, 3, 4)),  # end of Wednesday
        (FF, 0, date(2026, 3, 4)),  # end of Wednesday
        (FS, 1, date(2026, 3, 5)),  # end of Thursday
        (SS, 3, date(2026, 3, 5)),  # start of Thursday
        (SF, 3, date(2026, 3, 5)),  # start of Thursday
        (SS, 0, date(2026, 3, 2)),  # start of Monday
        (FS, -3, date(2026, 3, 2)),  # boundary 0: the project start, Monday
    ],
)
def test_a_milestone_is_dated_by_what_reaches_it(kind, lag, day):
    assert dates(two(3, 0, kind, lag), "B") == (day, day)


def test_a_start_reaching_the_same_boundary_as_a_finish_dates_the_milestone_on_its_day():
    # A finishes at the end of Wednesday (boundary 3); C starts Thursday, SS+0 reaches 3 too.
    result = schedule(
        [TaskSpec("A", 3, "A"), TaskSpec("C", 1, "C", date(2026, 3, 5)), TaskSpec("M", 0, "M")],
        [LinkSpec("A", "M", FS), LinkSpec("C", "M", SS)],
        start=MON,
    )
    assert dates(result, "M") == (date(2026, 3, 5), date(2026, 3, 5))
    # A "no earlier than" Thursday on the milestone itself: a start, so Thursday as well.
    result = schedule(
        [TaskSpec("A", 3, "A"), TaskSpec("M", 0, "M", date(2026, 3, 5))],
        [LinkSpec("A", "M", FS)],
        start=MON,
    )
    assert dates(result, "M") == (date(2026, 3, 5), date(2026, 3, 5))
    assert result.finish == date(2026, 3, 5)


def test_a_milestone_after_a_milestone_keeps_the_day():
    result = schedule(
        [TaskSpec("A", 2, "A"), TaskSpec("M1", 0, "M1"), TaskSpec("M2", 0, "M2")],
        [LinkSpec("A", "M1"), LinkSpec("M1", "M2")],
        start=MON,
    )
    assert dates(result, "M1") == (date(2026, 3, 3), date(2026, 3, 3))
    assert dates(result, "M2") == (date(2026, 3, 3), date(2026, 3, 3))
    assert result.finish == date(2026, 3, 3)
    assert result.working_days == 2


def test_published_project_length_with_a_zero_duration_source_and_sink():
    """PSPLIB's form of a network: a zero-duration source (job 1) and sink (job n), the
    sink's early start being the published project length. Heizer & Render's Milwaukee
    Paper network (published length 15) in that form finishes in exactly 15 working days:
    on the sink's day, Friday of the third week, not the Monday after."""
    predecessors = {"A": ["S"], "B": ["S"], **MILWAUKEE_PREDECESSORS, "T": ["H"]}
    result = schedule(
        [
            TaskSpec("S", 0, "source"),
            *(TaskSpec(name, days, name) for name, days in MILWAUKEE_DURATIONS.items()),
            TaskSpec("T", 0, "sink"),
        ],
        [LinkSpec(p, s) for s, preds in predecessors.items() for p in preds],
        start=MON,
    )
    assert result.tasks["T"].early_start == 15
    assert result.working_days == 15
    assert result.finish == date(2026, 3, 20)
    assert dates(result, "S") == (MON, MON)
    assert dates(result, "T") == (date(2026, 3, 20), date(2026, 3, 20))
    assert result.critical_ids == ["S", "A", "C", "E", "G", "H", "T"]
    assert {t: result.tasks[t].total_float for t in "BDF"} == {"B": 1, "D": 1, "F": 6}


MILWAUKEE_DURATIONS = {"A": 2, "B": 3, "C": 2, "D": 4, "E": 4, "F": 3, "G": 5, "H": 2}
MILWAUKEE_PREDECESSORS = {
    "C": ["A"],
    "D": ["A", "B"],
    "E": ["C"],
    "F": ["C"],
    "G": ["D", "E"],
    "H": ["F", "G"],
}


def test_textbook_critical_path_and_float():
    """Heizer & Render, Operations Management, Milwaukee Paper Manufacturing (weeks -> days).

    Published answers: project 15 periods; critical path A-C-E-G-H; slack B 1, D 1, F 6.
    """
    durations, predecessors = MILWAUKEE_DURATIONS, MILWAUKEE_PREDECESSORS
    result = schedule(
        [TaskSpec(name, days, name) for name, days in durations.items()],
        [LinkSpec(p, s) for s, preds in predecessors.items() for p in preds],
        start=MON,
    )
    es = {t: result.tasks[t].early_start for t in durations}
    ls = {t: result.tasks[t].late_start for t in durations}
    slack = {t: result.tasks[t].total_float for t in durations}
    assert es == {"A": 0, "B": 0, "C": 2, "D": 3, "E": 4, "F": 4, "G": 8, "H": 13}
    assert ls == {"A": 0, "B": 1, "C": 2, "D": 4, "E": 4, "F": 10, "G": 8, "H": 13}
    assert slack == {"A": 0, "B": 1, "C": 0, "D": 1, "E": 0, "F": 6, "G": 0, "H": 0}
    assert result.critical_ids == ["A", "C", "E", "G", "H"]
    assert result.working_days == 15
    assert result.finish == date(2026, 3, 20)
    assert dates(result, "G") == (date(2026, 3, 12), date(2026, 3, 18))


def test_float_counts_lags_of_every_kind():
    result = schedule(
        [TaskSpec("A", 5, "A"), TaskSpec("B", 2, "B"), TaskSpec("C", 1, "C")],
        [LinkSpec("A", "B", SS, 1), LinkSpec("B", "C", FF, 1), LinkSpec("A", "C", FS, 0)],
        start=MON,
    )
    # A 0-5, B 1-3, C must start >= 5 (FS) and finish >= 4 (FF): 5-6.
    assert [result.tasks[t].early_start for t in "ABC"] == [0, 1, 5]
    assert [result.tasks[t].total_float for t in "ABC"] == [0, 2, 0]
    assert result.critical_ids == ["A", "C"]


def test_a_start_constraint_creates_float_before_it():
    result = schedule(
        [TaskSpec("A", 1, "A"), TaskSpec("B", 1, "B", date(2026, 3, 6))],
        [],
        start=MON,
    )
    assert result.tasks["A"].total_float == 4
    assert result.tasks["B"].total_float == 0
    assert result.finish == date(2026, 3, 6)


def test_a_cycle_is_refused_naming_its_tasks_in_order():
    with pytest.raises(CycleError) as error:
        schedule(
            [TaskSpec(1, 1, "Design"), TaskSpec(2, 1, "Build"), TaskSpec(3, 1, "Review")],
            [LinkSpec(1, 2), LinkSpec(2, 3), LinkSpec(3, 1)],
            start=MON,
        )
    assert error.value.cycle == [1, 2, 3, 1]
    assert error.value.names == ["Design", "Build", "Review", "Design"]
    assert str(error.value) == "Dependency cycle: Design → Build → Review → Design"


def test_a_cycle_beside_an_acyclic_part_is_found():
    tasks = [TaskSpec(n, 1, n) for n in "ABCDE"]
    links = [LinkSpec("A", "B"), LinkSpec("B", "C"), LinkSpec("D", "C"), LinkSpec("C", "D")]
    with pytest.raises(CycleError) as error:
        schedule(tasks, links, start=MON)
    assert error.value.names == ["C", "D", "C"]


def test_would_close_cycle_names_the_cycle_or_none():
    ids = ["A", "B", "C"]
    links = [LinkSpec("A", "B"), LinkSpec("B", "C")]
    names = {"A": "Kickoff", "B": "Design", "C": "Build"}
    assert would_close_cycle(ids, links, LinkSpec("C", "A"), names) == [
        "Kickoff",
        "Design",
        "Build",
        "Kickoff",
    ]
    assert would_close_cycle(ids, links, LinkSpec("A", "C"), names) is None
    assert would_close_cycle(ids, [], LinkSpec("A", "A"), names) == ["Kickoff", "Kickoff"]


def test_unknown_tasks_and_negative_durations_are_refused():
    with pytest.raises(UnknownTaskError):
        schedule([TaskSpec("A", 1)], [LinkSpec("A", "Z")], start=MON)
    with pytest.raises(ValueError, match="negative duration"):
        schedule([TaskSpec("A", -1, "A")], [], start=MON)
    with pytest.raises(ValueError, match="Unknown link kind"):
        schedule([TaskSpec("A", 1), TaskSpec("B", 1)], [LinkSpec("A", "B", "XX")], start=MON)


def test_an_empty_schedule_has_no_finish():
    result = schedule([], [], start=MON)
    assert result.finish is None
    assert result.working_days == 0
    assert result.tasks == {}


def test_calendar_arithmetic():
    calendar = WorkingCalendar([date(2026, 3, 4)])
    assert calendar.add_working_days(MON, 0) == MON
    assert calendar.add_working_days(MON, 2) == date(2026, 3, 5)
    assert calendar.add_working_days(date(2026, 3, 9), -3) == date(2026, 3, 3)
    assert calendar.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert calendar.working_days_between(MON, date(2026, 3, 13)) == 9
    assert calendar.working_days_between(date(2026, 3, 13), MON) == 0
    assert not calendar.is_working_day(date(2026, 3, 4))
    assert not calendar.is_working_day(date(2026, 3, 8))


def test_day_index_maps_both_ways():
    index = DayIndex(MON, WorkingCalendar([date(2026, 3, 4)]))
    assert index.to_date(0) == MON
    assert index.to_date(2) == date(2026, 3, 5)
    assert index.to_date(5) == date(2026, 3, 10)
    assert index.to_index(date(2026, 3, 4)) == 2
    assert index.to_index(date(2026, 3, 10)) == 5
    assert index.to_index(date(2026, 2, 1)) == 0
    with pytest.raises(ValueError):
        index.to_date(-1)


# Forecast from actuals -------------------------------------------------------------------

TUE, WED, THU, FRI = (date(2026, 3, d) for d in (3, 4, 5, 6))
NEXT_MON = date(2026, 3, 9)


def spans(result):
    return {task_id: (task.start, task.finish) for task_id, task in result.tasks.items()}


def test_a_late_task_under_way_moves_its_successors():
    # A (3 days) started Monday, still open on Thursday: it finishes Thursday at the
    # earliest, so B (2 days, FS) runs Friday and Monday instead of Thursday and Friday.
    result = forecast(
        [TaskSpec("A", 3, "A", actual_start=MON), TaskSpec("B", 2, "B")],
        [LinkSpec("A", "B")],
        start=MON,
        today=THU,
    )
    assert spans(result) == {"A": (MON, THU), "B": (FRI, NEXT_MON)}
    assert result.finish == NEXT_MON
    # On time (today Tuesday): the plan as it was.
    on_time = forecast(
        [TaskSpec("A", 3, "A", actual_start=MON), TaskSpec("B", 2, "B")],
        [LinkSpec("A", "B")],
        start=MON,
        today=TUE,
    )
    assert spans(on_time) == {"A": (MON, WED), "B": (THU, FRI)}


def test_an_early_finish_pulls_successors_in_only_as_the_links_allow():
    tasks = [
        TaskSpec("A", 5, "A", actual_start=MON, actual_finish=TUE),
        TaskSpec("B", 1, "B"),  # FS: the day after A's actual finish
        TaskSpec("C", 1, "C"),  # SS +3 from A's actual start: still Thursday
        TaskSpec("D", 1, "D", FRI),  # FS, but no earlier than Friday
        TaskSpec("E", 2, "E"),  # FF +1: finishes a day after A, no earlier than today
    ]
    links = [
        LinkSpec("A", "B"),
        LinkSpec("A", "C", SS, 3),
        LinkSpec("A", "D"),
        LinkSpec("A", "E", FF, 1),
    ]
    result = forecast(tasks, links, start=MON, today=TUE)
    assert spans(result) == {
        "A": (MON, TUE),
        "B": (WED, WED),
        "C": (THU, THU),
        "D": (FRI, FRI),
        "E": (TUE, WED),
    }
    assert result.finish == FRI


def test_done_tasks_sit_at_their_actual_dates_even_before_the_project_start():
    # Started the Friday before the project's Monday, done on a Saturday.
    sat = date(2026, 3, 7)
    result = forecast(
        [
            TaskSpec("A", 1, "A", actual_start=date(2026, 2, 27), actual_finish=sat),
            TaskSpec("B", 1, "B"),
        ],
        [LinkSpec("A", "B")],
        start=MON,
        today=sat,
    )
    assert spans(result) == {"A": (date(2026, 2, 27), sat), "B": (NEXT_MON, NEXT_MON)}


def test_nothing_is_forecast_in_the_past():
    # Nothing started, the project began a week ago, today is Saturday: Monday at the earliest.
    result = forecast(
        [TaskSpec("A", 2, "A"), TaskSpec("M", 0, "M"), TaskSpec("B", 1, "B", TUE)],
        [LinkSpec("A", "M")],
        start=MON,
        today=date(2026, 3, 14),
    )
    monday = date(2026, 3, 16)
    assert spans(result) == {
        "A": (monday, date(2026, 3, 17)),
        "M": (date(2026, 3, 17), date(2026, 3, 17)),
        "B": (monday, monday),
    }
    # A task under way whose planned days are used up still needs today.
    late = forecast([TaskSpec("A", 1, "A", actual_start=MON)], [], start=MON, today=FRI)
    assert spans(late) == {"A": (MON, FRI)}


def test_milestones_in_the_forecast_follow_the_convention():
    # A done on Tuesday: a milestone FS after it is dated Tuesday when today is Tuesday,
    # today (Wednesday) when that is later; a done milestone's FS successor starts next day.
    tasks = [
        TaskSpec("A", 3, "A", actual_start=MON, actual_finish=TUE),
        TaskSpec("M", 0, "M"),
        TaskSpec("N", 0, "N", actual_start=TUE, actual_finish=TUE),
        TaskSpec("B", 1, "B"),
    ]
    links = [LinkSpec("A", "M"), LinkSpec("N", "B")]
    assert spans(forecast(tasks, links, start=MON, today=TUE)) == {
        "A": (MON, TUE),
        "M": (TUE, TUE),
        "N": (TUE, TUE),
        "B": (WED, WED),
    }
    assert spans(forecast(tasks, links, start=MON, today=WED))["M"] == (WED, WED)


def test_a_task_under_way_waits_for_its_finish_to_finish_predecessor():
    result = forecast(
        [TaskSpec("A", 4, "A", actual_start=MON), TaskSpec("B", 1, "B", actual_start=MON)],
        [LinkSpec("A", "B", FF, 0)],
        start=MON,
        today=MON,
    )
    assert spans(result) == {"A": (MON, THU), "B": (MON, THU)}


def test_a_closed_project_is_forecast_without_today():
    result = forecast([TaskSpec("A", 2, "A")], [], start=MON, today=None)
    assert spans(result) == {"A": (MON, TUE)}
