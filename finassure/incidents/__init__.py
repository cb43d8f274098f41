"""Incidents and emergencies (事件与应急): incidents, plans, drills (issue 5)."""
