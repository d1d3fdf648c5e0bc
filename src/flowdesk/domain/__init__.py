"""The Kanban rules in plain Python: no I/O, no frameworks, time from a Clock."""
