"""Rapport: an open-source customer-service desk. See README.md and docs/."""
