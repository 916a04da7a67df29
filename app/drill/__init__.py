"""应急演练 (failure drills): app/drill/engine.py runs them, faults.py injects, report.py reports."""
