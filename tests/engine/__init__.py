"""Tests of the transaction risk monitoring engine."""
