"""The one writer every format shares: match records to what is stored, write what changed in bulk (with
history), and say in the report what happened to each record.

Matching: incidents by their external identifier (or, for the project's own format, by code); their
assessments and sources by external identifier within the incident. Each stored record keeps a digest of the
values the last import wrote, so a re-import tells three cases apart: the stored record equals the file
(unchanged); it is as the last import left it and the file differs (updated, with a history row); it was edited
by hand since (a conflict: kept as it is, and listed with the fields the file would change).
"""

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django import forms
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reports.figures.receivers import records_written
from reports.figures.summary import analyze
from reports.importing.report import ImportFileError
from reports.iterables import batched
from reports.models import (
    COUNT_RANGES,
    Assessment,
    Assessor,
    Belligerent,
    Dating,
    Incident,
    IncidentBelligerent,
    ReviewState,
    Source,
    StrikeType,
)
from reports.models.changes import changes_collected
from reports.models.incidents import EDITABLE_STATES
from reports.models.search import SEARCHED_FIELDS
from reports.models.vocabulary import can_review

CODE_FIELD = Incident._meta.get_field("code")

BATCH = 2_000
# bulk_update writes one CASE WHEN per field over the batch's ids: cost grows with the square of the batch.
UPDATE_BATCH = 200
StrikeTypeLink = Incident.strike_types.through


@dataclass
class Part:
    """An assessment or a source of an incident, as read from a file."""

    file: str
    row: int
    key: str  # external identifier, unique within the incident
    fields: dict
    instance: object = None  # the model instance its checks passed: a new part is written from it


@dataclass
class Record:
    """An incident as read from a file, with its attributions, strike types, assessments and sources."""

    file: str
    row: int
    key: str  # external identifier (the code, for the project's own format)
    fields: dict
    belligerents: dict = field(default_factory=dict)  # slug: role
    strike_types: list = field(default_factory=list)  # slugs
    assessments: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    instance: object = None  # the model instance its checks passed: a new incident is written from it

    @property
    def label(self):
        code = self.fields.get("code") or ""
        return code if code == self.key else f"{code} / {self.key}".strip(" /")


@dataclass
class Options:
    user: object
    state: str = ReviewState.PENDING
    reason: str = "Imported"
    match_on: str = "external_id"  # or "code"
    dry_run: bool = False
    # The second reviewer who approved the import (reports.importing.batches): only then may it publish
    # incidents or change published ones. Nothing becomes public on the importer's word alone.
    approved_by: object = None


def digest(values):
    """A stable hash of field values, whether they come from a file or the database."""

    def plain(value):
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    text = json.dumps({name: plain(value) for name, value in values.items()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def changed_fields(stored, new):
    return sorted(name for name in new if digest({name: stored.get(name)}) != digest({name: new[name]}))


# --- Checks every format gets: the models' own rules, as problems with row numbers ---------------------------
# A form, the admin and an import refuse the same values with the same messages: each record and part goes
# through its model's field validators (as Model.clean_fields() runs them) and its clean(). What the import adds
# is what it does with a refusal: a value of a field that may be empty is left out (and listed) and the rest
# imported; anything else refused (a required value, the record as a whole) skips the record or part, listed
# with its row. Relations (assessors, belligerents, codes taken) are the writer's to check, in bulk: these
# checks make no query.

# Values left out together: a coordinate is a pair, and a range whose minimum exceeds its maximum is known at
# neither end.
LEFT_OUT_TOGETHER = [("latitude", "longitude"), *((f"{name}_min", f"{name}_max") for name in COUNT_RANGES)]
# May be empty, yet an assessment whose headline range is refused is skipped rather than imported without it.
NEEDED = {Assessment: {"killed_min", "killed_max"}}
# What a form says of a missing value, where a model says "cannot be null" or "cannot be blank".
MISSING = forms.Field.default_error_messages["required"]
EMPTY = (None, "")


def validated_fields(model):
    """The fields the checks validate: all but relations, which the writer checks in bulk."""
    return [field for field in model._meta.concrete_fields if not field.is_relation]


VALIDATED = {
    model: {field.name: field for field in validated_fields(model)} for model in (Incident, Assessment, Source)
}
LINK_FIELDS = {
    model: {name for name, field in VALIDATED[model].items() if isinstance(field, models.URLField)}
    for model in VALIDATED
}


# Values short enough to repeat (a date, a count, a choice, a language) are checked once per field and import.
REPEATED = 40


def refuse(report, where, label, reason):
    """Report a part or record that cannot be imported; returns False for the checks below."""
    report.problem(where.file, where.row, label, reason)
    return False


def storable_key(where, record, report):
    """An identifier no database stores or looks up (one holding a NUL character) is refused before anything
    is matched on it."""
    if "\x00" in str(where.key):
        return refuse(report, where, record.label.replace("\x00", "?"), "the identifier holds a NUL character")
    return True


class Checks:
    """The checks of one import. Its values repeat (dates, counts, choices, names), and what a field's
    validators say of a value does not change during an import, so each such value is checked once per field.
    A record or part the file gives exactly as it is stored (`stored`: its values) is not checked again: it
    passed when it was written, and is not written now."""

    def __init__(self, report):
        self.report = report
        self.known = {model: {} for model in VALIDATED}  # {model: {(field name, value): what its validators say}}

    def incident(self, record, stored=None):
        """False if the record cannot be imported; values the model refuses but that can be left out (an
        impossible coordinate, an end before the start) are left out, and said so."""
        if record.fields.get("code") and not check_code(record, self.report):
            return False
        return self.values(record, Incident, record.label, stored)

    def assessment(self, part, assessor, label, stored=None):
        part.fields.setdefault("dating", Dating.STATED)  # (in the digest: a re-import compares it)
        return self.values(part, Assessment, label, stored, {"assessor": assessor}, prefix=f"{assessor}: ")

    def source(self, part, label, stored=None):
        return self.values(part, Source, label, stored)

    def values(self, where, model, label, stored=None, context=None, prefix=""):
        """Run `where.fields` (with `context`, e.g. the assessor, which clean() reads) through the model's rules.
        Values that can be left out are, and listed; False if the record or part is refused."""
        fields = where.fields
        for name in LINK_FIELDS[model] & fields.keys():
            fields[name] = web_link(fields[name])
        if stored is not None and as_stored(stored, fields):
            return True
        while True:
            instance = model(**fields, **(context or {}))
            errors = self.errors(instance, fields)
            if not errors:
                where.instance = instance
                return True
            refused = [name for name in errors if not may_leave_out(model, name, fields)]
            if refused:
                reasons = [described(fields, name, errors[name]) for name in refused]
                return refuse(self.report, where, label, prefix + " ".join(reasons))
            left_out = set()
            for name in errors:
                if name in left_out:
                    continue
                together = next((group for group in LEFT_OUT_TOGETHER if name in group), (name,))
                others = [other for other in together if other != name and fields.get(other) not in EMPTY]
                also = f" Left out, with {', '.join(others)}." if others else " Left out."
                reason = prefix + described(fields, name, errors[name]) + also
                self.report.problem(where.file, where.row, label, reason, skipped=False)
                for other in together:
                    fields[other] = None if model._meta.get_field(other).null else ""
                left_out.update(together)

    def errors(self, instance, fields):
        """{field name, or NON_FIELD_ERRORS: [messages]}: what the model's field validators say of `fields`, and
        its clean() of `instance`, which holds them (of a field its validators refused, only what they say)."""
        errors, model = {}, type(instance)
        for name, value in fields.items():
            if name in VALIDATED[model] and (refusals := self.field_errors(model, name, value)):
                errors[name] = refusals
        try:
            instance.clean()
        except ValidationError as error:
            for name, refusals in error.update_error_dict({}).items():
                errors.setdefault(name, list(messages(refusals)))
        return errors

    def field_errors(self, model, name, value):
        """What Model.clean_fields() says of one field's value: [] if it takes it."""
        known = self.known[model]
        repeated = isinstance(value, int | Decimal | datetime.date) or isinstance(value, str) and len(value) <= REPEATED
        if repeated and (name, value) in known:
            return known[name, value]
        field = VALIDATED[model][name]
        refusals = []
        if not (field.blank and value in field.empty_values):
            try:
                field.clean(value, None)
            except ValidationError as error:
                refusals = list(messages(error.error_list))
        if repeated:
            known[name, value] = refusals
        return refusals


def as_stored(stored, fields):
    return all(name in stored and stored[name] == value for name, value in fields.items())


def messages(refusals):
    for refusal in refusals:
        if refusal.code in ("null", "blank"):
            yield str(MISSING)
        else:
            yield from refusal  # the message, its parameters filled in


def may_leave_out(model, name, fields):
    if name == NON_FIELD_ERRORS or name in NEEDED.get(model, ()):
        return False
    return model._meta.get_field(name).blank and fields.get(name) not in EMPTY


def described(fields, name, refusals):
    """The field, its value unless the message says it, and the model's messages: "latitude 200: Ensure this
    value is less than or equal to 90." """
    text = " ".join(refusals)
    if name == NON_FIELD_ERRORS:
        return text
    value = shown(fields.get(name))
    return f"{name}{f' {value}' if value and value not in text else ''}: {text}"


def shown(value):
    if value in EMPTY:
        return ""
    if isinstance(value, str):
        return repr(value[:100])
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def web_link(text):
    """A link as a browser follows it: blanks inside it (a space in a query, a non-breaking space copied from a
    page) percent-encoded, which the models' link validator then accepts."""
    return re.sub(r"\s", lambda blank: quote(blank.group()), text.strip()) if text else text


def check_code(record, report):
    """A code is part of the incident's address (/incidents/<code>/), so it keeps to the characters the code
    field allows: a combined code such as Airwars' "CS759 RS2192" is stored as "CS759-RS2192", and said so."""
    code = record.fields["code"]
    usable = re.sub(r"[^A-Za-z0-9._-]+", "-", code.strip()).strip("-._")[: CODE_FIELD.max_length]
    try:
        CODE_FIELD.run_validators(usable)
    except ValidationError:
        return refuse(report, record, record.label, f"code {code!r} cannot be made an address")
    if usable != code:
        reason = f"code {code!r} holds characters an address cannot: stored as {usable}"
        report.problem(record.file, record.row, record.label, reason, skipped=False)
        record.fields["code"] = usable
    return True


def valid_point(latitude, longitude):
    """Whether the model takes this coordinate as it is."""
    point = {"latitude": latitude, "longitude": longitude}
    return None not in (latitude, longitude) and not Checks(report=None).errors(Incident(**point), point)


# --- Writing ------------------------------------------------------------------------------------------------


PUBLISHED_NEEDS_APPROVAL = (
    "matches a published incident: an import that changes published records must be approved by a second "
    "reviewer (import it with the state 'published')"
)


def run_import(read, options, report):
    """Read the records (`read()`: a format's parser, which may create reference rows) and write them, all in one
    transaction: an error or an interrupt leaves the database as it was, and a dry run is rolled back at the end,
    so its report is the full one."""
    if options.state == ReviewState.PUBLISHED and options.approved_by is None and not options.dry_run:
        raise ImportFileError("An import that publishes must be approved by a second reviewer first.")
    with transaction.atomic():
        with changes_collected():  # the figures' lock before any row: see changes_collected
            Writer(options, report).run(read())
        if options.dry_run:
            transaction.set_rollback(True)
    report.finish()


class Writer:
    def __init__(self, options, report):
        self.options, self.report = options, report
        self.checks = Checks(report)
        self.now = timezone.now()
        self.touched = set()  # incidents written, for records_written()
        self.published = set()  # matched incidents that were published: a change to one is announced (ImportChange)
        self.changed_in_public = set()  # incidents with a change readers see (not only a private field's)
        self.verdicts = {}  # {published incident id: [the verdicts the import gives its assessments]}
        self.history = {"default_user": options.user, "default_change_reason": options.reason}

    def run(self, records):
        # Read now: the parser may have created reference rows.
        self.belligerent_ids = dict(Belligerent.objects.values_list("slug", "id"))
        self.strike_type_ids = dict(StrikeType.objects.values_list("slug", "id"))
        self.assessors = Assessor.objects.in_bulk()
        matchable = [record for record in records if storable_key(record, record, self.report)]
        stored = self.stored_incidents(matchable)
        checked = [record for record in matchable if self.checks.incident(record, stored.get(record.key))]
        checked = self.unique(checked)
        accepted = self.within_rights(self.without_code_clashes(checked, stored), stored)
        kept = {id(record) for record in accepted}
        skipped = [record for record in records if id(record) not in kept]
        self.report.count("incidents", "skipped", len(skipped))
        self.skip_parts(skipped)
        new, changed = [], []
        for record in accepted:
            old = stored.get(record.key)
            if old is None:
                new.append(record)
                continue
            record.id = old["id"]
            if old["review_state"] == ReviewState.PUBLISHED:
                self.published.add(record.id)
            if self.compare(old, incident_values(record), "incidents", record, record.label) == "updated":
                changed.append((record, old))
        self.report.count("incidents", "created", len(new))
        self.create_incidents(new)
        self.update_incidents(changed)
        self.write_parts(accepted, "assessments", Assessment)
        self.write_parts(accepted, "sources", Source)
        self.report.published_changes = {
            incident_id: self.verdicts.get(incident_id, [])
            for incident_id in sorted(self.changed_in_public & self.published)
        }
        if self.touched and not self.options.dry_run:  # a dry run is rolled back: nothing to bring up to date
            self.report.progress("Refreshing current assessments and the dashboard's figures…")
            records_written(self.touched)
            if len(self.touched) > BATCH:  # a bulk load: pages planned on the tables' old statistics crawl
                analyze(Incident, IncidentBelligerent, Assessment, Source)

    # --- matching

    def unique(self, records):
        """The first record of each code and identifier; later ones are problems."""
        seen_codes, seen_keys, unique = {}, {}, []
        for record in records:
            code = record.fields["code"]
            if code in seen_codes:
                refuse(self.report, record, record.label, f"duplicate code {code} (also row {seen_codes[code]})")
            elif record.key in seen_keys:
                refuse(self.report, record, record.label, f"duplicate identifier (also row {seen_keys[record.key]})")
            else:
                seen_codes[code] = seen_keys[record.key] = record.row
                unique.append(record)
        return unique

    def stored_incidents(self, records):
        """{key: stored values} of the records already in the database, with their attributions."""
        lookup = self.options.match_on
        names = sorted(set().union(*(record.fields for record in records)) - {"id"}) if records else []
        stored = {}
        for keys in batched([record.key for record in records], 900):  # SQLite's limit on parameters
            # Locked until the import commits, so what is compared is what gets overwritten: an edit saved
            # meanwhile either lands first (and shows as a conflict) or waits, and then meets a new version.
            matched = Incident.objects.select_for_update().filter(**{f"{lookup}__in": keys}).order_by("id")
            for row in matched.values("id", "import_digest", "review_state", "created_by_id", *names):
                row.update(belligerents=[], strike_types=[])
                stored[row[lookup]] = row
        by_id = {row["id"]: row for row in stored.values()}
        for ids in batched(by_id, 900):
            attributions = IncidentBelligerent.objects.filter(incident_id__in=ids)
            for incident_id, slug, role in attributions.values_list("incident_id", "belligerent__slug", "role"):
                by_id[incident_id]["belligerents"].append([slug, role])
            links = StrikeTypeLink.objects.filter(incident_id__in=ids)
            for incident_id, slug in links.values_list("incident_id", "striketype__slug"):
                by_id[incident_id]["strike_types"].append(slug)
        for row in by_id.values():
            row["belligerents"].sort()
            row["strike_types"].sort()
        return stored

    def within_rights(self, records, stored):
        """The records the importing user may write. A published incident changes only through an import that
        publishes, which runs only once a second reviewer approved it (run_import). Otherwise reviewers may
        update any matched incident not yet decided (the file is the source, each change is in the history,
        and makes them one of its authors); anyone else only creates incidents and updates their own drafts."""
        options = self.options
        reviewer = can_review(options.user)
        allowed = []
        for record in records:
            old = stored.get(record.key)
            if old is None:
                allowed.append(record)
            elif old["review_state"] == ReviewState.PUBLISHED and options.state != ReviewState.PUBLISHED:
                refuse(self.report, record, record.label, PUBLISHED_NEEDS_APPROVAL)
            elif old["review_state"] in (ReviewState.REJECTED, ReviewState.RETRACTED):
                refuse(self.report, record, record.label, f"matches a {old['review_state']} incident")
            elif reviewer or (old["created_by_id"] == options.user.pk and old["review_state"] in EDITABLE_STATES):
                allowed.append(record)
            else:
                refuse(self.report, record, record.label, "matches an incident only a reviewer may update by import")
        return allowed

    def without_code_clashes(self, records, stored):
        owners = {}
        for codes in batched([record.fields["code"] for record in records], 900):
            owners.update(Incident.objects.filter(code__in=codes).values_list("code", "id"))
        accepted = []
        for record in records:
            owner = owners.get(record.fields["code"])
            if owner is not None and owner != stored.get(record.key, {}).get("id"):
                refuse(
                    self.report,
                    record,
                    record.label,
                    f"duplicate code {record.fields['code']}: another incident has it",
                )
            else:
                accepted.append(record)
        return accepted

    def compare(self, stored, incoming, kind, where, label):
        """unchanged, updated or conflicts (edited by hand since the last import: kept, and reported)."""
        current = digest({name: stored.get(name) for name in incoming})
        if current == digest(incoming):
            outcome = "unchanged"
        elif current == stored["import_digest"]:
            outcome = "updated"
        else:
            outcome = "conflicts"
            fields = ", ".join(changed_fields(stored, incoming))
            reason = f"edited by hand since the last import, kept as it is (the file has other values for {fields})"
            self.report.problem(where.file, where.row, label, reason)
        self.report.count(kind, outcome)
        return outcome

    def skip_parts(self, records):
        for record in records:
            for kind in ("assessments", "sources"):
                for part in getattr(record, kind):
                    if (part.file, part.row) != (record.file, record.row):  # the incident's own row is reported
                        refuse(self.report, part, record.label, f"its incident (row {record.row}) was not imported")
                self.report.count(kind, "skipped", len(getattr(record, kind)))

    # --- incidents

    def create_incidents(self, records):
        options = self.options
        incidents = []
        for record in records:
            incident = record.instance  # (holds record.fields, as checked)
            incident.review_state, incident.created_by = options.state, options.user
            incident.import_digest = digest(incident_values(record))
            if options.state == ReviewState.PUBLISHED:
                incident.published_at, incident.published_by = self.now, options.approved_by
            incident.refresh_search_text()  # (bulk creation skips save(), which sets it)
            incidents.append(incident)
        for done, batch in enumerate(batched(incidents, BATCH), start=1):
            bulk_create_with_history(batch, Incident, batch_size=BATCH, **self.history)
            self.report.progress(f"incidents: {min(done * BATCH, len(incidents)):,} of {len(incidents):,} created")
        for record, incident in zip(records, incidents, strict=True):
            record.id = incident.pk
            self.touched.add(incident.pk)
        self.add_attributions([(record, record.belligerents.items()) for record in records])
        links = [
            StrikeTypeLink(incident_id=record.id, striketype_id=self.strike_type_ids[slug])
            for record in records
            for slug in record.strike_types
        ]
        StrikeTypeLink.objects.bulk_create(links, batch_size=BATCH)
        self.add_strike_type_history(links)

    def add_strike_type_history(self, links):
        """The strike types in each new incident's first history row, as simple-history records them on save()."""
        history_links = apps.get_model("reports", "HistoricalIncident_strike_types")
        incident_ids = {link.incident_id for link in links}
        history_ids = {}
        for ids in batched(incident_ids, 900):
            created = Incident.history.filter(id__in=ids, history_type="+").values_list("id", "history_id")
            history_ids.update(created)
        rows = [
            history_links(
                id=link.pk,
                history_id=history_ids[link.incident_id],
                incident_id=link.incident_id,
                striketype_id=link.striketype_id,
            )
            for link in links
        ]
        history_links.objects.bulk_create(rows, batch_size=BATCH)

    def add_attributions(self, wanted):
        attributions = [
            IncidentBelligerent(incident_id=record.id, belligerent_id=self.belligerent_ids[slug], role=role)
            for record, pairs in wanted
            for slug, role in pairs
        ]
        bulk_create_with_history(attributions, IncidentBelligerent, batch_size=BATCH, **self.history)

    def update_incidents(self, changed):
        """`changed`: (record, stored values) of incidents as the last import left them, that the file changes."""
        if not changed:
            return
        records = [record for record, _stored in changed]
        incidents = Incident.objects.in_bulk([record.id for record in records])
        names = set()
        for record, stored in changed:
            incident = incidents[record.id]
            for name, value in record.fields.items():
                setattr(incident, name, value)
            names.update(self.note_changed_fields(Incident, record.id, stored, record.fields))
            incident.version += 1  # an editor holding the old version gets the conflict page, not a lost update
            incident.last_edited_by = self.options.user
            incident.updated_at = self.now
            incident.import_digest = digest(incident_values(record))
            incident.refresh_search_text()
            self.touched.add(record.id)
        bookkeeping = ["version", "last_edited_by", "updated_at", "import_digest"]
        if names & set(SEARCHED_FIELDS):
            bookkeeping.append("search_text")
        bulk_update_with_history(
            list(incidents.values()), Incident, [*sorted(names), *bookkeeping], batch_size=UPDATE_BATCH, **self.history
        )
        self.sync_attributions(changed, incidents)
        self.report.progress(f"incidents: {len(records):,} updated")

    def sync_attributions(self, changed, incidents):
        """Attributions and strike types as the file has them now, for the few updated incidents whose
        attributions or strike types changed (one by one, so history records each removal)."""
        wanted = []
        for record, stored in changed:
            new = incident_values(record)
            if new["belligerents"] != stored["belligerents"] or new["strike_types"] != stored["strike_types"]:
                self.changed_in_public.add(record.id)
            if new["belligerents"] != stored["belligerents"]:
                attributions = IncidentBelligerent.objects.filter(incident_id=record.id).select_related("belligerent")
                kept = set()
                for attribution in attributions:
                    if record.belligerents.get(attribution.belligerent.slug) == attribution.role:
                        kept.add(attribution.belligerent.slug)
                    else:
                        attribution._change_reason, attribution._history_user = self.options.reason, self.options.user
                        attribution.delete()
                wanted.append(
                    (record, [(slug, role) for slug, role in record.belligerents.items() if slug not in kept])
                )
            if new["strike_types"] != stored["strike_types"]:
                incident = incidents[record.id]  # the record itself: its history row is written from it
                incident._change_reason, incident._history_user = self.options.reason, self.options.user
                incident.strike_types.set([self.strike_type_ids[slug] for slug in record.strike_types])
        self.add_attributions(wanted)

    # --- assessments and sources

    def write_parts(self, records, kind, model):
        if model is Source:
            leave_out_missing_positions(records)
        stored = self.stored_parts(records, kind, model)
        new, changed = [], []
        for record in records:
            seen = set()
            for part in getattr(record, kind):
                old = stored.get((record.id, part.key))
                if not self.check_part(part, kind, record, seen, old):
                    self.report.count(kind, "skipped")
                    continue
                if old is None:
                    new.append(self.new_part(model, record, part))
                elif self.compare(old, part.fields, kind, part, record.label) == "updated":
                    changed.append((old, record, part))
        self.report.count(kind, "created", len(new))
        if model is Assessment:
            self.note_verdicts(new, changed)
        if model is Source:
            number_sources(new)
        for done, batch in enumerate(batched(new, BATCH), start=1):
            bulk_create_with_history(batch, model, batch_size=BATCH, **self.history)
            self.report.progress(f"{kind}: {min(done * BATCH, len(new)):,} of {len(new):,} created")
        self.update_parts(model, changed)
        self.touched.update(part.incident_id for part in new)
        self.changed_in_public.update(part.incident_id for part in new)

    def note_verdicts(self, new, changed):
        """Note the verdicts the import gives published incidents' assessments (before the new ones are written):
        a new assessment's verdict revises one if its assessor had assessed the incident before, a stored
        assessment's changed verdict always does."""
        given = [assessment for assessment in new if assessment.incident_id in self.published and assessment.verdict]
        assessed = set()
        for ids in batched({assessment.incident_id for assessment in given}, 900):
            assessed.update(Assessment.objects.filter(incident_id__in=ids).values_list("incident_id", "assessor_id"))
        for assessment in given:
            revised = (assessment.incident_id, assessment.assessor_id) in assessed
            self.note_verdict(assessment.incident_id, assessment.assessor_id, assessment.verdict, revised)
        for stored, record, part in changed:
            verdict = part.fields.get("verdict")
            if record.id in self.published and verdict and verdict != stored.get("verdict"):
                self.note_verdict(record.id, part.fields["assessor_id"], verdict, revised=True)

    def note_verdict(self, incident_id, assessor_id, verdict, revised):
        given = {"assessor": assessor_id, "verdict": verdict, "revised": revised}
        self.verdicts.setdefault(incident_id, []).append(given)

    def check_part(self, part, kind, record, seen, stored):
        if not storable_key(part, record, self.report):
            return False
        if part.key in seen:
            return refuse(self.report, part, record.label, f"duplicate {kind[:-1]} {part.key} of the incident")
        seen.add(part.key)
        if kind == "sources":
            return self.checks.source(part, record.label, stored)
        return self.checks.assessment(part, self.assessors[part.fields["assessor_id"]], record.label, stored)

    def stored_parts(self, records, kind, model):
        ids = [record.id for record in records if getattr(record, "id", None)]
        names = sorted(set().union(*(part.fields for record in records for part in getattr(record, kind))))
        stored = {}
        for batch in batched(ids, 900):
            rows = model.objects.filter(incident_id__in=batch).exclude(external_id="")
            for row in rows.values("id", "incident_id", "external_id", "import_digest", *names):
                stored[(row["incident_id"], row["external_id"])] = row
        return stored

    def new_part(self, model, record, part):
        instance = part.instance  # (holds part.fields, as checked)
        instance.incident_id, instance.external_id, instance.import_digest = record.id, part.key, digest(part.fields)
        if model is Assessment:
            instance.created_by = self.options.user
        return instance

    def update_parts(self, model, changed):
        if not changed:
            return
        objects = model.objects.in_bulk([stored["id"] for stored, _record, _part in changed])
        names = set()
        for stored, record, part in changed:
            instance = objects[stored["id"]]
            for name, value in part.fields.items():
                setattr(instance, name, value)
            instance.import_digest = digest(part.fields)
            names.update(self.note_changed_fields(model, record.id, stored, part.fields))
            self.touched.add(record.id)
        bulk_update_with_history(
            list(objects.values()), model, [*sorted(names), "import_digest"], batch_size=UPDATE_BATCH, **self.history
        )

    def note_changed_fields(self, model, incident_id, stored, new):
        """The fields `new` changes; the incident's change is one readers see unless they are all private."""
        names = changed_fields(stored, new)
        if set(names) - set(getattr(model, "PRIVATE_FIELDS", ())):
            self.changed_in_public.add(incident_id)
        return names


def leave_out_missing_positions(records):
    """A file that gives a source no position (empty, or 0) says nothing of its order: the writer numbers it if
    it is new, and keeps the stored position of one imported before (not a change, nor a conflict)."""
    for record in records:
        for part in record.sources:
            if not part.fields.get("position"):
                part.fields.pop("position", None)


def number_sources(sources):
    """Give each new source without a position the next one among its incident's sources, in file order, after
    those stored and those the file numbers: Source.save()'s rule, which bulk creation skips. One query per 900
    incidents."""
    unnumbered = [source for source in sources if not source.position]
    last = {}
    for ids in batched(sorted({source.incident_id for source in unnumbered}), 900):
        stored = Source.objects.filter(incident_id__in=ids).order_by().values("incident_id")
        last.update(stored.annotate(last=models.Max("position")).values_list("incident_id", "last"))
    for source in sources:
        if source.position:
            last[source.incident_id] = max(last.get(source.incident_id) or 0, source.position)
    for source in unnumbered:
        last[source.incident_id] = (last.get(source.incident_id) or 0) + 1
        source.position = last[source.incident_id]


def incident_values(record):
    """What an import compares and writes for an incident: its fields, attributions and strike types."""
    return {
        **record.fields,
        "belligerents": sorted([slug, role] for slug, role in record.belligerents.items()),
        "strike_types": sorted(record.strike_types),
    }
