"""Each user's secret iCalendar feed: next actions, open tasks and milestones."""
