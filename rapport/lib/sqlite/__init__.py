"""Django's SQLite backend with a fair write queue between processes (see base.py)."""
