"""Demo tenants with hand-written knowledge, and pages that embed the widget like a shop."""
