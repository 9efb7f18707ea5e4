from datetime import date

from projects.gantt import _month_label_fits


def test_month_labels_never_overlap_or_run_off_the_chart():
    # The chart opens on 30 Nov: December starts a day later, so only December is labelled.
    assert _month_label_fits(date(2026, 11, 30), 0, 40) is False
    assert _month_label_fits(date(2026, 12, 1), 1, 40) is True
    # Opening mid-month leaves room for that month's label.
    assert _month_label_fits(date(2026, 11, 10), 0, 40) is True
    # A month starting two days before the chart ends has no room.
    assert _month_label_fits(date(2027, 1, 1), 38, 40) is False
    assert _month_label_fits(date(2026, 12, 15), 15, 40) is False
