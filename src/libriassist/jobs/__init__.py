"""Background jobs: long knowledge-base work (uploads, syncs) tracked in the database."""
