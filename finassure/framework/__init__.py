"""Assurance framework (保证体系): measures, indicators, snapshots, corrective actions (issue 3)."""
