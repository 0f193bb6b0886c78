"""Promises and callbacks made to customers (RS2, RS6): see docs/promises.md."""
