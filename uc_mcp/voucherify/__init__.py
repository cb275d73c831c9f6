"""Voucherify as a provider: its settings, API client, tool table, embedded sandbox and doctor checks."""
