"""Models of training; filled by its own issue."""
