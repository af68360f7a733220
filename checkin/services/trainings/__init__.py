"""Trainings and quarterly meetings: making a session, signing in and marking present,
and the shortfalls of training days and meetings."""
