"""Helpers that know no models."""
