"""Small protocols for external AI capabilities, each with a real implementation."""
