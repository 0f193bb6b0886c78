"""Agents' limits, availability and ticket assignment (ES2, ES6): see docs/agents.md."""
