"""Models of customer service; filled by its own issue."""
