"""Models of governance; filled by its own issue."""
