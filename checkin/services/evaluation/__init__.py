"""季众评, the quarterly public evaluation: links and their sheet, answers by link or call,
and the results per cadre, team, unit and area (domain/public_evaluation.py)."""
