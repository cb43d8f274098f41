"""Models of information security; filled by its own issue."""
