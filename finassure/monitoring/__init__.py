"""Risk monitoring (风险监测): engine runs, alerts, cases, reports (issue 9)."""
