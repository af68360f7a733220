"""Roster import: spreadsheets of areas, villages, units, teams, people and households."""
