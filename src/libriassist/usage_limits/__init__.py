"""Rate limits (per tenant, conversation, client IP, customer) and monthly quotas."""
