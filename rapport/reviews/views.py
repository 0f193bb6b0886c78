"""Review views."""
