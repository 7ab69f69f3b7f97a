"""The rules of Continuity, free of Flask: calendar, deadlines, guards and escalation rules."""
