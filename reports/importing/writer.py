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

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reports.importing.report import ImportFileError
from reports.iterables import batched
from reports.models import (
    COUNT_RANGES,
    Assessment,
    Assessor,
    Belligerent,
    Dating,
    Grading,
    Incident,
    IncidentBelligerent,
    OfficialVerdict,
    ReviewState,
    Source,
    StrikeType,
    records_written,
)
from reports.models.assessments import REVISED_IS_A_MONITORS, count_range_errors
from reports.models.incidents import EDITABLE_STATES
from reports.models.snapshot import figures_recounted_once
from reports.models.summary import analyze
from reports.models.vocabulary import can_review, is_web_link

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


# --- Checks every format gets: the database's rules, as problems with row numbers ---------------------------


def refuse(report, where, label, reason):
    """Report a part or record that cannot be imported; returns False for the checks below."""
    report.problem(where.file, where.row, label, reason)
    return False


def check_incident(record, report):
    """False if the record cannot be imported; values the database would refuse but that can be left out
    (an impossible coordinate, an end before the start) are cleared with a warning."""
    fields, label = record.fields, record.label
    if not fields.get("code"):
        return refuse(report, record, label, "missing code")
    if not check_code(record, report):
        return False
    if fields.get("date_start") is None:
        return refuse(report, record, label, "missing date")
    if fields["date_start"] > timezone.localdate():
        return refuse(report, record, label, f"date {fields['date_start']} is in the future")
    if not fields.get("country"):
        return refuse(report, record, label, "missing country")
    check_links(record, report, label, ["external_url"])
    if fields.get("date_end") and fields["date_end"] < fields["date_start"]:
        reason = f"end date {fields['date_end']} before the date {fields['date_start']}: end date left out"
        report.problem(record.file, record.row, label, reason, skipped=False)
        fields["date_end"] = None
    latitude, longitude = fields.get("latitude"), fields.get("longitude")
    if (latitude, longitude) != (None, None) and not valid_point(latitude, longitude):
        reason = f"impossible coordinate ({latitude}, {longitude}): imported without coordinates"
        report.problem(record.file, record.row, label, reason, skipped=False)
        fields["latitude"] = fields["longitude"] = None
    return True


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


def check_links(where, report, label, names):
    """Links readers follow and downloads carry are http(s) addresses (the models' validate_web_link); any other
    (javascript:, data:, a bare name) is left out, and said so."""
    for name in names:
        link = where.fields.get(name)
        if link and not is_web_link(link):
            reason = f"{name} {link[:100]!r} is not an http(s) address: left out"
            report.problem(where.file, where.row, label, reason, skipped=False)
            where.fields[name] = ""


def valid_point(latitude, longitude):
    return latitude is not None and longitude is not None and abs(latitude) <= 90 and abs(longitude) <= 180


def check_assessment(part, assessor, report, label):
    fields = part.fields
    if fields.get("assessed_on") is None:
        return refuse(report, part, label, f"{assessor}: missing assessment date")
    if fields["assessed_on"] > timezone.localdate():
        return refuse(report, part, label, f"{assessor}: assessment date {fields['assessed_on']} is in the future")
    if fields.setdefault("dating", Dating.STATED) not in Dating.values:
        return refuse(report, part, label, f"{assessor}: unknown value {fields['dating']!r} for dating")
    if assessor.is_official and fields["dating"] == Dating.REVISED:
        return refuse(report, part, label, f"{assessor}: {REVISED_IS_A_MONITORS}")
    allowed = OfficialVerdict if assessor.is_official else Grading
    if fields.get("verdict") not in allowed.values:
        return refuse(report, part, label, f"{assessor}: unknown value {fields.get('verdict')!r} for the verdict")
    counts = {name: fields.get(name) for name in COUNT_FIELDS}
    errors = count_range_errors(Assessment(**counts), COUNT_RANGES)
    if "killed_max" in errors:
        return refuse(
            report, part, label, f"{assessor}: min > max for killed ({counts['killed_min']} > {counts['killed_max']})"
        )
    for name in (error.removesuffix("_max") for error in errors):
        # A secondary range (children, men, …) the database would refuse is left out, not the whole assessment.
        reason = f"{assessor}: min > max for {name} ({counts[name + '_min']} > {counts[name + '_max']}): left out"
        report.problem(part.file, part.row, label, reason, skipped=False)
        fields[f"{name}_min"] = fields[f"{name}_max"] = None
    check_links(part, report, label, ["source_url", "strike_report_url"])
    if fields.get("non_credible_reason") and fields["verdict"] != OfficialVerdict.NON_CREDIBLE:
        fields["non_credible_reason"] = ""
    return True


COUNT_FIELDS = [f"{name}_{end}" for name in COUNT_RANGES for end in ("min", "max")]


def check_source(part, report, label):
    fields = part.fields
    check_links(part, report, label, ["url", "archive_url"])
    if not (fields.get("url") or fields.get("publisher") or fields.get("title")):
        return refuse(report, part, label, "source without a link, publisher or title")
    if fields.get("published_on") and fields["published_on"] > timezone.localdate():
        reason = f"source date {fields['published_on']} in the future: left out"
        report.problem(part.file, part.row, label, reason, skipped=False)
        fields["published_on"] = None
    return True


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
        with figures_recounted_once():  # the figures' lock before any row: see figures_recounted_once
            Writer(options, report).run(read())
        if options.dry_run:
            transaction.set_rollback(True)
    report.finish()


class Writer:
    def __init__(self, options, report):
        self.options, self.report = options, report
        self.now = timezone.now()
        self.touched = set()  # incidents written, for records_written()
        self.history = {"default_user": options.user, "default_change_reason": options.reason}

    def run(self, records):
        # Read now: the parser may have created reference rows.
        self.belligerent_ids = dict(Belligerent.objects.values_list("slug", "id"))
        self.strike_type_ids = dict(StrikeType.objects.values_list("slug", "id"))
        self.assessors = Assessor.objects.in_bulk()
        checked = [record for record in records if check_incident(record, self.report)]
        checked = self.unique(checked)
        stored = self.stored_incidents(checked)
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
            if self.compare(old, incident_values(record), "incidents", record, record.label) == "updated":
                changed.append((record, old))
        self.report.count("incidents", "created", len(new))
        self.create_incidents(new)
        self.update_incidents(changed)
        self.write_parts(accepted, "assessments", Assessment)
        self.write_parts(accepted, "sources", Source)
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
            incident = Incident(
                **record.fields,
                review_state=options.state,
                created_by=options.user,
                import_digest=digest(incident_values(record)),
            )
            if options.state == ReviewState.PUBLISHED:
                incident.published_at, incident.published_by = self.now, options.approved_by
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
            names.update(changed_fields(stored, record.fields))
            incident.version += 1  # an editor holding the old version gets the conflict page, not a lost update
            incident.last_edited_by = self.options.user
            incident.updated_at = self.now
            incident.import_digest = digest(incident_values(record))
            self.touched.add(record.id)
        bookkeeping = ["version", "last_edited_by", "updated_at", "import_digest"]
        bulk_update_with_history(
            list(incidents.values()), Incident, [*sorted(names), *bookkeeping], batch_size=UPDATE_BATCH, **self.history
        )
        self.sync_attributions(changed)
        self.report.progress(f"incidents: {len(records):,} updated")

    def sync_attributions(self, changed):
        """Attributions and strike types as the file has them now, for the few updated incidents whose
        attributions or strike types changed (one by one, so history records each removal)."""
        wanted = []
        for record, stored in changed:
            new = incident_values(record)
            if new["belligerents"] != stored["belligerents"]:
                attributions = IncidentBelligerent.objects.filter(incident_id=record.id).select_related("belligerent")
                kept = set()
                for attribution in attributions:
                    if record.belligerents.get(attribution.belligerent.slug) == attribution.role:
                        kept.add(attribution.belligerent.slug)
                    else:
                        attribution._change_reason = self.options.reason
                        attribution.delete()
                wanted.append(
                    (record, [(slug, role) for slug, role in record.belligerents.items() if slug not in kept])
                )
            if new["strike_types"] != stored["strike_types"]:
                Incident(pk=record.id).strike_types.set([self.strike_type_ids[slug] for slug in record.strike_types])
        self.add_attributions(wanted)

    # --- assessments and sources

    def write_parts(self, records, kind, model):
        stored = self.stored_parts(records, kind, model)
        new, changed = [], []
        for record in records:
            seen = set()
            for part in getattr(record, kind):
                if not self.check_part(part, kind, record, seen):
                    self.report.count(kind, "skipped")
                    continue
                old = stored.get((record.id, part.key))
                if old is None:
                    new.append(self.new_part(model, record, part))
                elif self.compare(old, part.fields, kind, part, record.label) == "updated":
                    changed.append((old, record, part))
        self.report.count(kind, "created", len(new))
        for done, batch in enumerate(batched(new, BATCH), start=1):
            bulk_create_with_history(batch, model, batch_size=BATCH, **self.history)
            self.report.progress(f"{kind}: {min(done * BATCH, len(new)):,} of {len(new):,} created")
        self.update_parts(model, changed)
        self.touched.update(part.incident_id for part in new)

    def check_part(self, part, kind, record, seen):
        if part.key in seen:
            return refuse(self.report, part, record.label, f"duplicate {kind[:-1]} {part.key} of the incident")
        seen.add(part.key)
        if kind == "sources":
            return check_source(part, self.report, record.label)
        return check_assessment(part, self.assessors[part.fields["assessor_id"]], self.report, record.label)

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
        extra = {"created_by": self.options.user} if model is Assessment else {}
        return model(
            incident_id=record.id, external_id=part.key, import_digest=digest(part.fields), **part.fields, **extra
        )

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
            names.update(changed_fields(stored, part.fields))
            self.touched.add(record.id)
        bulk_update_with_history(
            list(objects.values()), model, [*sorted(names), "import_digest"], batch_size=UPDATE_BATCH, **self.history
        )


def incident_values(record):
    """What an import compares and writes for an incident: its fields, attributions and strike types."""
    return {
        **record.fields,
        "belligerents": sorted([slug, role] for slug, role in record.belligerents.items()),
        "strike_types": sorted(record.strike_types),
    }
