"""Citable releases: dated, immutable snapshots of the published data (README, "Releases and citation").

A release is a folder under settings.RELEASES_DIR named after it, holding each table as CSV and JSON, a
Frictionless `datapackage.json` describing every column, `SHA256SUMS`, a changelog against the previous
release and `release.json`, the manifest that names every file with its size and checksum. It is written into
a hidden temporary folder and renamed into place in one step, so a reader never sees half a release; its files
are then made read-only, and a release of a name already taken is refused: a release never changes.

Every table is streamed a chunk at a time (the incidents' CSV written by PostgreSQL's COPY straight into its
file), so memory stays flat whatever the number of incidents. The incidents' CSV is the `/incidents.csv`
download itself (the same query, `exports.write_csv`), so the two are equal when made at the same moment.
"""

import csv
import datetime
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Collate
from django.utils import timezone

from reports import exports
from reports.iterables import batched
from reports.models import Assessment, Incident, OfficialStatement, Source, StatementItem
from reports.release_tables import ASSESSMENTS, SOURCES, STATEMENT_ITEMS, STATEMENTS, TABLES

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MANIFEST = "release.json"
CHECKSUMS = "SHA256SUMS"
HASHES = "incident_hashes.csv"  # code, content hash: what the next release's changelog compares against
CHANGES = "changes.csv"  # code, change: every incident the changelog counts
CHANGELOG = "changelog.json"
SHOWN_CODES = 50  # codes of each kind listed in the changelog itself; changes.csv lists them all
CHUNK = exports.CHUNK


class ReleaseError(Exception):
    """A release that cannot be made: a bad or taken name. The message is for the person who asked."""


def releases_dir():
    return Path(settings.RELEASES_DIR)


def valid_name(name):
    return bool(NAME.fullmatch(name or "")) and ".." not in name


# --- Reading the releases made ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    name: str
    path: Path
    manifest: dict

    @property
    def created_at(self):
        return datetime.datetime.fromisoformat(self.manifest["created_at"])

    @property
    def files(self):
        return self.manifest["files"]

    @property
    def size(self):
        return sum(entry["bytes"] for entry in self.files)

    @property
    def changelog(self):
        return self.manifest["changelog"]

    def file(self, name):
        """The path of one of the release's files, or None for any name its manifest does not list (so no
        path outside the folder can be asked for)."""
        for entry in self.files:
            if entry["name"] == name:
                return entry, self.path / name
        return None


def read_release(name):
    """The release called `name`, or None."""
    if not valid_name(name):
        return None
    path = releases_dir() / name
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Release(name, path, manifest)


def all_releases():
    """Every release, the latest first. Hidden folders are releases still being written (or abandoned)."""
    try:
        entries = list(os.scandir(releases_dir()))
    except FileNotFoundError:
        return []
    names = [entry.name for entry in entries if entry.is_dir() and not entry.name.startswith(".")]
    releases = [release for name in names if (release := read_release(name)) is not None]
    return sorted(releases, key=lambda release: (release.created_at, release.name), reverse=True)


def latest_release():
    """The latest release, read again only when the folder has changed (a release was renamed into it): pages
    that cite the data ask on every request."""
    try:
        changed = os.stat(releases_dir()).st_mtime_ns
    except FileNotFoundError:
        return None
    key = (str(releases_dir()), changed)
    if latest_known.get("key") != key:
        releases = all_releases()
        latest_known.update(key=key, release=releases[0] if releases else None)
    return latest_known["release"]


latest_known = {}  # this process's latest release, and the folder's state it was read in


# --- Making one ------------------------------------------------------------------------------------------


def make_release(name, now=None):
    """Write the release `name` of the published data as it is now; returns the Release. ReleaseError when the
    name is not valid or already taken."""
    if not valid_name(name):
        raise ReleaseError(f"“{name}” is not a valid release name: letters, digits, “.”, “_” and “-”, up to 64.")
    root = releases_dir()
    if (root / name).exists():
        raise ReleaseError(f"A release called “{name}” exists already: a release never changes; choose a new name.")
    root.mkdir(parents=True, exist_ok=True)
    previous = latest_release()
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        with one_snapshot():
            write_release(building, name, now or timezone.now(), previous)
        make_read_only(building)
        # rename() refuses to replace a folder that has files: a release made under the same name meanwhile stays
        building.rename(root / name)
    except OSError as error:
        discard(building)
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST):  # rename() found the name taken
            raise ReleaseError(f"A release called “{name}” was made meanwhile: choose a new name.") from error
        raise
    except BaseException:
        discard(building)
        raise
    latest_known.clear()
    return read_release(name)


@contextmanager
def one_snapshot():
    """Every table read as the data stood at one moment: on PostgreSQL a read-only REPEATABLE READ transaction,
    so that an incident published while the release is written is in none of its tables rather than in some
    (SQLite's transaction reads one state of the file already). Inside a transaction begun by the caller (the
    tests'), that transaction's isolation stands."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":  # before any query of the transaction, as it must be
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def discard(building):
    """Remove an unfinished release's folder (made read-only already if only the renaming failed)."""
    building.chmod(0o755)
    shutil.rmtree(building, ignore_errors=True)


def write_release(folder, name, now, previous):
    incidents = Incident.public.all()  # what /incidents.csv serves without filters (IncidentFilter starts here)
    with (folder / "incidents.csv").open("w", encoding="utf-8", newline="") as file:
        exports.write_csv(incidents, file)
    write_text(folder / "incidents.json", exports.json_chunks(incidents))
    counts = {"incidents": write_hashes(folder / HASHES, incidents)}
    for table, rows in (
        (ASSESSMENTS, Assessment.objects.filter(incident__in=incidents)),
        (SOURCES, Source.objects.filter(incident__in=incidents)),
        (STATEMENTS, OfficialStatement.public.all()),
        (STATEMENT_ITEMS, StatementItem.objects.filter(statement__in=OfficialStatement.public.all())),
    ):
        counts[table.name] = write_table(folder, table, rows)
    changelog = write_changelog(folder, previous)
    write_json(folder / "datapackage.json", datapackage(folder, name, now))
    files = [file_entry(folder / file) for file in sorted(os.listdir(folder))]
    write_text(folder / CHECKSUMS, (f"{entry['sha256']}  {entry['name']}\n" for entry in files))
    files.append(file_entry(folder / CHECKSUMS))
    manifest = {
        "name": name,
        "created_at": now.astimezone(datetime.UTC).isoformat(),
        "counts": counts,
        "changelog": changelog,
        "files": files,
    }
    write_json(folder / MANIFEST, manifest)


def write_text(path, chunks):
    with path.open("w", encoding="utf-8", newline="") as file:
        for chunk in chunks:
            file.write(chunk)


def write_json(path, document):
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def make_read_only(folder):
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)


def file_entry(path):
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def streamed(queryset, columns, order):
    """The rows' values, from a server-side cursor (inside a transaction: see exports.incident_chunks)."""
    with transaction.atomic():
        yield from queryset.order_by(*order).values_list(*columns).iterator(chunk_size=CHUNK)


def write_table(folder, table, queryset):
    """`<table>.csv` and `<table>.json` (an array of objects), written in one pass; returns the row count."""
    count = 0
    with (
        (folder / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as csv_file,
        (folder / f"{table.name}.json").open("w", encoding="utf-8") as json_file,
    ):
        writer = csv.writer(csv_file, lineterminator="\n")
        writer.writerow(table.names)
        json_file.write("[")
        for row in streamed(queryset, table.lookups, table.order):
            writer.writerow(table.csv_row(row))
            json_file.write(("," if count else "") + json.dumps(table.json_row(row), ensure_ascii=False, default=str))
            count += 1
        json_file.write("]\n")
    return count


# --- What changed since the previous release --------------------------------------------------------------


def by_code():
    """The order of codes byte by byte whatever the database's collation, as Python compares strings: the
    changelog walks two releases' hash lists side by side."""
    return [Collate("code", "C")] if connection.vendor == "postgresql" else ["code"]


def write_hashes(path, incidents):
    """One line per incident, in code order: its code and a hash of everything the release holds of it (its
    row, belligerents and current assessments, every dated assessment, its sources). Returns the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["code", "sha256"])
        rows = streamed(incidents, ["id", "code"], by_code())
        for batch in batched(rows, CHUNK):
            contents = incident_contents([incident_id for incident_id, _code in batch])
            for incident_id, code in batch:
                content = json.dumps(contents[incident_id], default=str, ensure_ascii=False, sort_keys=True)
                writer.writerow([code, hashlib.sha256(content.encode()).hexdigest()])
                count += 1
    return count


def incident_contents(ids):
    """{incident id: what the release holds of it}, for a chunk of incidents, in one query per table."""
    contents = defaultdict(dict)
    for row, belligerents, current in exports.with_relations(
        list(Incident.public.filter(pk__in=ids).values("id", *exports.INCIDENT_FIELDS)), None
    ):
        contents[row["id"]].update(incident=row, belligerents=belligerents, current=current)
    for table, model in ((ASSESSMENTS, Assessment), (SOURCES, Source)):
        rows = model.objects.filter(incident_id__in=ids).order_by(*table.order)
        rows = rows.values_list("incident_id", *table.lookups)
        for incident_id, *row in rows:
            contents[incident_id].setdefault(table.name, []).append(table.json_row(row))
    return contents


def hash_lines(path):
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        yield from reader


def compared(previous_lines, current_lines):
    """(code, "added" | "changed" | "retracted") for each difference of two hash lists in code order."""
    previous, current = next(previous_lines, None), next(current_lines, None)
    while previous or current:
        if current and (not previous or current[0] < previous[0]):
            yield current[0], "added"
            current = next(current_lines, None)
        elif previous and (not current or previous[0] < current[0]):
            yield previous[0], "retracted"  # no longer published: retracted or unpublished
            previous = next(previous_lines, None)
        else:
            if previous[1] != current[1]:
                yield current[0], "changed"
            previous, current = next(previous_lines, None), next(current_lines, None)


def write_changelog(folder, previous):
    """`changes.csv` (every incident added, changed or retracted since the previous release) and
    `changelog.json` (the counts, and the first SHOWN_CODES codes of each); returns the latter."""
    counts = {"added": 0, "changed": 0, "retracted": 0}
    shown = {kind: [] for kind in counts}
    with (folder / CHANGES).open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["code", "change"])
        previous_lines = hash_lines(previous.path / HASHES) if previous else iter(())
        for code, change in compared(previous_lines, hash_lines(folder / HASHES)):
            writer.writerow([code, change])
            counts[change] += 1
            if len(shown[change]) < SHOWN_CODES:
                shown[change].append(code)
    changelog = {
        "previous": previous.name if previous else None,
        "previous_created_at": previous.manifest["created_at"] if previous else None,
        **counts,
        "codes": shown,
    }
    write_json(folder / CHANGELOG, changelog)
    return changelog


# --- The Frictionless description ------------------------------------------------------------------------


def datapackage(folder, name, now):
    """The Data Package (Frictionless, v1 descriptor) of the release's CSV tables, every column described."""
    resources = []
    for table in TABLES:
        path = f"{table.name}.csv"
        entry = file_entry(folder / path)
        resources.append(
            {
                "name": table.name,
                "path": path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": entry["bytes"],
                "hash": f"sha256:{entry['sha256']}",
                "description": str(table.description),
                "schema": {"fields": table.schema_fields()},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": name.lower().replace("_", "-"),
        "title": f"Civilian casualty records, release {name}",
        "created": now.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "version": name,
        "resources": resources,
    }
