"""Models of assurance framework; filled by its own issue."""
