"""Models of risk monitoring; filled by its own issue."""
