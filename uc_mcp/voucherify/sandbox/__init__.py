"""Voucherify's embedded sandbox: its customers API at the real paths, on SQLite, with demo data (runtime.py)."""
