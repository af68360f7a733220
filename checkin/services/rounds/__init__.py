"""Duties over several villages (巡村): assigning them, the holders' check-ins, and how
each duty stood in a month (domain/rounds.py)."""
