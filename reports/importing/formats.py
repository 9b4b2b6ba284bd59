"""The formats the admin's import page offers, each read from files saved on disk."""

import contextlib
import json

from reports.importing import airwars, mapping, project_csv
from reports.importing.report import ImportFileError

PROJECT, MAPPED, AIRWARS = "project", "mapping", "airwars"
MATCH_ON = {PROJECT: "code", MAPPED: "external_id", AIRWARS: "external_id"}


def reader(format_name, paths, report):
    """A `read()` for run_import: `paths` maps "file" (and "mapping", "assessments", "sources") to saved files."""

    def read():
        with contextlib.ExitStack() as stack:
            opened = {
                role: stack.enter_context(open(path, encoding="utf-8-sig", newline=""))  # noqa: SIM115
                for role, path in paths.items()
                if role != "mapping"
            }
            if format_name == AIRWARS:
                return airwars.read(opened["file"], opened.get("assessments"), opened.get("sources"), report=report)
            if format_name == MAPPED:
                return load_mapping(paths["mapping"]).read(opened["file"], report)
            return project_csv.read(opened["file"], report)

    return read


def load_mapping(path):
    try:
        with open(path, encoding="utf-8") as file:
            return mapping.Mapping(json.load(file))
    except (OSError, ValueError) as error:
        raise ImportFileError(f"The mapping cannot be read: {error}") from None
