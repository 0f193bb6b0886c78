"""Response-time promises: business-hours calendars, SLA policies and clocks (RS1, RS3, RS5).

`rapport.sla.clock` is plain Python (no Django import): the calendar, the business-time
arithmetic and the pausable SLA clock (docs/sla-clock.md). The Django app around it —
calendars per team, policies, clocks per ticket, the breach scan and the honest
acknowledgement — is described in docs/sla.md.
"""
