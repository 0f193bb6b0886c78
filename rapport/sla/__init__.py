"""Response-time promises: business-hours calendars and SLA clocks.

`rapport.sla.clock` is plain Python (no Django import): the calendar, the business-time
arithmetic and the pausable SLA clock. See docs/sla-clock.md.
"""
