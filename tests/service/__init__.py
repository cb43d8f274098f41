"""Tests of customer service (issue 4)."""
