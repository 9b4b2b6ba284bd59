"""The formats the admin's import page offers, each read from files saved on disk."""

import contextlib
import csv

from reports.importing import airwars, mapping, project_csv
from reports.importing.report import ImportFileError

PROJECT, MAPPED, AIRWARS = "project", "mapping", "airwars"
MATCH_ON = {PROJECT: "code", MAPPED: "external_id", AIRWARS: "external_id"}


def reader(format_name, paths, report, user=None):
    """A `read()` for run_import: `paths` maps "file" (and "mapping", "assessments", "sources") to saved files.
    `user`, the importing user, decides whether the import may create reference rows (reference.may_create)."""

    def read():
        try:
            return read_files()
        except csv.Error as error:  # e.g. a cell over csv's field size limit (128 KiB)
            raise ImportFileError(f"The file cannot be read as CSV: {error}") from None
        except UnicodeDecodeError as error:
            raise ImportFileError(f"The file is not UTF-8 text: {error.reason} at byte {error.start}") from None

    def read_files():
        with contextlib.ExitStack() as stack:
            opened = {
                role: stack.enter_context(open(path, encoding="utf-8-sig", newline=""))  # noqa: SIM115
                for role, path in paths.items()
                if role != "mapping"
            }
            if format_name == AIRWARS:
                files = opened["file"], opened.get("assessments"), opened.get("sources")
                return airwars.read(*files, report=report, user=user)
            if format_name == MAPPED:
                return mapping.from_file(paths["mapping"]).read(opened["file"], report, user)
            return project_csv.read(opened["file"], report)

    return read
