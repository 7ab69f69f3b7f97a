"""Outcome figures: what leaders look at (SPEC.md "Outcomes"), computed in the database.

definitions.py says what each figure means (the words shown beside it and the facts it counts),
filters.py reads the period, team and worker, sources.py builds the per-record facts in SQL and
figures.py aggregates them: totals, trends, breakdowns, the escalation table and the records behind
a figure.
"""
