"""Models of incidents and emergencies; filled by its own issue."""
