"""Imports held as records (ImportBatch): an upload's dry run waits for its uploader's confirmation, and an
import that publishes waits for a second reviewer, who approves it as one decision. The files live in the
database meanwhile; they are written to a private temporary folder only while an import reads them, and that
folder is removed whatever happens."""

import contextlib
import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext

from reports.importing import formats
from reports.importing.report import ImportReport
from reports.importing.writer import Options, run_import
from reports.models import InvalidTransition
from reports.models.imports import ImportBatch, ImportChange, ImportFile, ImportStatus


def hold(format_name, state, user, files, reason=""):
    """A new batch holding `files` ({role: (name, bytes)}), not yet run."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(format=format_name, state=state, created_by=user, comment=reason)
        ImportFile.objects.bulk_create(
            ImportFile(batch=batch, role=role, name=name, size=len(content), content=content)
            for role, (name, content) in files.items()
        )
    return batch


def files_on_disk(paths):
    """{role: (name, bytes)} of files named by path: what a command holds."""
    return {role: (Path(path).name, Path(path).read_bytes()) for role, path in paths.items() if path}


def dry_run(batch, progress=None):
    """Run the batch without writing anything, keep its report on the batch, and return the report."""
    report = run(batch, batch.created_by, dry_run=True, progress=progress)
    batch.report = report.text()
    batch.save(update_fields=["report"])
    return report


def confirm(batch, by, progress=None):
    """The uploader's go-ahead after reading the dry run: an import that publishes now waits for a second
    reviewer; any other runs. Returns the report, or None when the batch now awaits approval."""
    if batch.created_by_id != by.pk or batch.status != ImportStatus.DRY_RUN:
        raise InvalidTransition(gettext("That import is no longer waiting for your confirmation."))
    if batch.publishes:
        batch.status = ImportStatus.AWAITING_APPROVAL
        batch.save(update_fields=["status"])
        return None
    return finish(batch, by, progress=progress)


def approve(batch, by, comment="", override_reason="", progress=None):
    """A second reviewer's approval of an import that publishes: it runs now, attributed to its uploader, with
    the approver recorded as the one who published it."""
    override = batch.check_decision(by, override_reason=override_reason)
    if not batch.publishes:  # its uploader confirms it (confirm): nobody else runs another person's import
        raise InvalidTransition(gettext("This import is no longer awaiting this decision."))
    return finish(batch, by, comment, override, progress)


def reject(batch, by, comment, override_reason=""):
    override = batch.check_decision(by, comment, gettext("Say why it is rejected."), override_reason)
    with transaction.atomic():
        locked(batch, ImportStatus.AWAITING_APPROVAL)
        decided(batch, ImportStatus.REJECTED, by, comment, override)


def finish(batch, by, comment="", override_reason="", progress=None):
    expected = ImportStatus.AWAITING_APPROVAL if batch.publishes else ImportStatus.DRY_RUN
    with transaction.atomic():
        locked(batch, expected)
        report = run(batch, by if batch.publishes else None, dry_run=False, progress=progress)
        batch.outcome = report.text()
        decided(batch, ImportStatus.IMPORTED, by, comment, override_reason)
        # The published incidents it changed (only an import that publishes may), which the changes feed announces.
        ImportChange.objects.bulk_create(
            ImportChange(batch=batch, incident_id=incident_id, verdicts=verdicts)
            for incident_id, verdicts in report.published_changes.items()
        )
    return report


def locked(batch, expected):
    """Lock the batch's row, so that two decisions on it queue; refuse unless it is still `expected`."""
    status = ImportBatch.objects.select_for_update().values_list("status", flat=True).get(pk=batch.pk)
    if status != expected:
        raise InvalidTransition(gettext("This import is no longer awaiting this decision."))


def decided(batch, status, by, comment, override_reason):
    batch.status, batch.decided_by, batch.decided_at = status, by, timezone.now()
    batch.comment = "\n".join(filter(None, [batch.comment, comment]))
    batch.override_reason = override_reason
    batch.save()
    batch.files.update(content=None)  # decided: nothing is left to run


def run(batch, approved_by, dry_run, progress=None):
    report = ImportReport(dry_run=dry_run, progress=progress)
    names = ", ".join(batch.files.exclude(role="mapping").values_list("name", flat=True))
    reason = gettext("Imported from %(files)s (import %(number)s)") % {"files": names, "number": batch.pk}
    match_on = formats.MATCH_ON[batch.format]
    options = Options(batch.created_by, batch.state, reason, match_on, dry_run, approved_by=approved_by)
    with written_out(batch) as paths:
        run_import(formats.reader(batch.format, paths, report, user=batch.created_by), options, report)
    return report


@contextlib.contextmanager
def written_out(batch):
    """The batch's files in a new private folder, as {role: path}, removed on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="casualties-import-"))
    try:
        paths = {}
        for file in batch.files.all():
            path = folder / file.role / get_valid_filename(file.name)
            path.parent.mkdir()
            path.write_bytes(bytes(file.content))
            paths[file.role] = str(path)
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def purge_stale_dry_runs():
    """Delete the uploads whose dry run nobody confirmed (see UNCONFIRMED_KEPT)."""
    ImportBatch.objects.stale_dry_runs().delete()
