"""Importers: Airwars' Syria files, the project's own CSV export, and any CSV with a column mapping.

Each format's parser (airwars.py, project_csv.py, mapping.py) turns rows into `Record`s; one writer (writer.py)
matches them to what is stored, writes in bulk with history, and fills the report (report.py)."""
