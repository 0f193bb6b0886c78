"""In-app notifications for agents: assigned to you, a rule fired, an SLA warning, a promise due.

Other apps notify through ``rapport.notify.actions`` (do_notify, do_notify_role); see
docs/notifications.md.
"""
