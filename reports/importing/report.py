"""What an import did: counts per kind of record and outcome, every problem row with its reason, and timing."""

import time
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import ngettext

OUTCOMES = ("created", "updated", "unchanged", "conflicts", "skipped")
KINDS = ("incidents", "assessments", "sources")


class ImportFileError(Exception):
    """The file cannot be imported at all (wrong columns, not a CSV, a bad mapping): nothing is read."""


@dataclass
class Problem:
    file: str
    row: int  # the spreadsheet's row number: the header is row 1
    identifier: str
    reason: str
    skipped: bool = True  # False: imported, with the value left out or kept as the reason says

    def __str__(self):
        outcome = "skipped" if self.skipped else "imported"
        return f"{self.file} row {self.row} [{self.identifier}]: {self.reason} ({outcome})"


class ImportReport:
    def __init__(self, dry_run=False, progress=None):
        self.dry_run = dry_run
        self.counts = {kind: Counter() for kind in KINDS}
        self.problems = []
        self.rows_read = 0
        self.reference_rows = []  # belligerents and assessors the import had to create
        # {incident id: [verdicts given]} of the incidents that were published and that the import changed (the
        # writer's record of them, which an approved import keeps: ImportChange)
        self.published_changes = {}
        self._progress = progress
        self._started = time.perf_counter()
        self.elapsed = None

    def count(self, kind, outcome, number=1):
        self.counts[kind][outcome] += number

    def problem(self, file, row, identifier, reason, skipped=True):
        self.problems.append(Problem(file, row, identifier, reason, skipped))

    def sorted_problems(self):
        """By file (in the order they were read), then row."""
        files = {}
        for problem in self.problems:
            files.setdefault(problem.file, len(files))
        return sorted(self.problems, key=lambda problem: (files[problem.file], problem.row))

    def progress(self, message):
        if self._progress:
            self._progress(message)

    def finish(self):
        self.elapsed = time.perf_counter() - self._started

    @property
    def rows_per_second(self):
        return self.rows_read / self.elapsed if self.elapsed else 0

    def summary_lines(self):
        lines = []
        for kind in KINDS:
            counts = self.counts[kind]
            if sum(counts.values()):
                # The outcomes every import has, then a format's own (Airwars: placeholders, moved verdicts).
                outcomes = [*OUTCOMES, *sorted(set(counts) - set(OUTCOMES))]
                lines.append(f"{kind}: " + ", ".join(f"{counts[outcome]:,} {outcome}" for outcome in outcomes))
        if self.reference_rows:
            lines.append("created reference rows: " + ", ".join(self.reference_rows))
        skipped = sum(problem.skipped for problem in self.problems)
        parts = ngettext("%(count)s row or part skipped", "%(count)s rows or parts skipped", skipped)
        lines.append(f"problems: {len(self.problems):,} ({parts % {'count': f'{skipped:,}'}})")
        if self.elapsed is not None:
            rows = ngettext("%(count)s row", "%(count)s rows", self.rows_read) % {"count": f"{self.rows_read:,}"}
            lines.append(f"{rows} in {self.elapsed:.1f} s ({self.rows_per_second:,.0f} rows/s)")
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines

    def text(self, problems_shown=500):
        """The report as the import's record keeps it: the summary, then the first problems."""
        problems = self.sorted_problems()
        lines = [*self.summary_lines(), *map(str, problems[:problems_shown])]
        if len(problems) > problems_shown:
            more = len(problems) - problems_shown
            lines.append(
                ngettext("… and %(count)s more problem", "… and %(count)s more problems", more) % {"count": f"{more:,}"}
            )
        return "\n".join(lines)
