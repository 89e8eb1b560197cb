"""Operator-only operations across tenants: the only code that is not tenant-scoped."""
