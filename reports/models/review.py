"""The editorial workflow's records: every review decision is a row, and a change proposed to a published
incident waits as a revision (a change set, see IncidentRevision) until a reviewer approves it."""

import copy
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.models.vocabulary import ReviewState, can_review


class InvalidTransition(Exception):
    """A review step that the incident's current state does not allow (e.g. publishing a draft)."""


class EditConflict(Exception):
    """Somebody saved the incident after the editor loaded it: saving now would overwrite their work."""

    def __init__(self, incident, expected_version):
        self.incident = incident
        self.expected_version = expected_version
        super().__init__(
            f"{incident.code} is at version {incident.version}, but the edit was made on version {expected_version}."
        )


def check_decision(by, comment=None, comment_missing=""):
    """Only reviewers decide; some decisions must say why."""
    if not can_review(by):
        raise InvalidTransition(gettext("Only reviewers can make review decisions."))
    if comment is not None and not comment.strip():
        raise InvalidTransition(comment_missing)


def four_eyes_refusal(by, authors):
    """Why `by` may not decide on work whose authors (user ids) are `authors`: the four-eyes rule."""
    if by.pk in authors:
        return gettext("You created or last edited it: another reviewer must decide.")
    return ""


def check_override(by, refusal, override_reason):
    """Raise the four-eyes refusal unless an admin overrides it with a reason; return that reason."""
    if not refusal:
        return ""
    if by.is_superuser and override_reason.strip():
        return override_reason.strip()
    raise InvalidTransition(refusal)


def check_reviewer(by, authors, override_reason="", comment=None, comment_missing=""):
    """Raise InvalidTransition unless `by` may decide on work whose authors (user ids) are `authors`: a
    reviewer, saying why when the decision needs it, and not an author (unless an admin overrides it). Returns
    the override reason that was needed. The one check of every decision on an incident or a proposed change."""
    check_decision(by, comment, comment_missing)
    return check_override(by, four_eyes_refusal(by, authors), override_reason)


# --- Authors: every path that writes content (the analysts' pages, the admin and its inlines, imports, commands)
# leaves history rows attributed to a user, so authorship is read from them rather than kept by each path: a
# path added later cannot forget it.


def content_writers(model, history, key, bookkeeping, links=None):
    """(record id, user id) of each history row of `model` that created, deleted or changed content: a row
    whose fields other than `bookkeeping`, or whose `links` ({history id: many-to-many links}), differ from
    the record's previous row."""
    fields = [f.attname for f in model._meta.concrete_fields if f.name not in bookkeeping and f.attname != key]
    columns = [key, "history_id", "history_type", "history_user_id", *fields]
    previous = {}
    for row in history.order_by(key, "history_date", "history_id").values(*columns):
        content = (tuple(row[name] for name in fields), (links or {}).get(row["history_id"], frozenset()))
        before = previous.get(row[key])
        previous[row[key]] = content
        if row["history_user_id"] is not None and (row["history_type"] != "~" or content != before):
            yield row[key], row["history_user_id"]


class ReviewDecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reviewers see every decision. Others do not see those on another person's proposed change: their
        comments discuss a change that only its author and the reviewers may read."""
        if can_review(user):
            return self
        return self.filter(Q(revision__isnull=True) | Q(revision__created_by=user.pk))

    def approved_changes(self):
        """The approvals of changes proposed to published incidents (IncidentRevision.approve)."""
        return self.filter(revision__isnull=False, to_state=ReviewState.PUBLISHED)


class ReviewDecision(models.Model):
    """One step of the review of an incident or of an official statement: who moved it from which state to
    which, when, and why."""

    incident = models.ForeignKey(
        "reports.Incident", on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    statement = models.ForeignKey(
        "reports.OfficialStatement", on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    revision = models.ForeignKey(
        "reports.IncidentRevision", on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    from_state = models.CharField(_("from"), max_length=20, choices=ReviewState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=ReviewState.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    override_reason = models.TextField(
        _("four-eyes override"), blank=True, help_text=_("Why an admin decided on their own work.")
    )

    objects = ReviewDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["incident", "decided_at"], name="decision_incident_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(incident__isnull=False, statement__isnull=True)
                | Q(incident__isnull=True, statement__isnull=False),
                name="decision_on_one_record",
            )
        ]

    def __str__(self):
        record = self.incident_id or f"statement {self.statement_id}"
        return f"{record}: {self.from_state} → {self.to_state} by {self.decided_by}"


class RevisionState(models.TextChoices):
    PENDING = "pending", _("Pending review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


OPEN_REVISION_STATES = (RevisionState.PENDING, RevisionState.CHANGES_REQUESTED)


# --- Change sets: what a proposed change holds (see IncidentRevision for the format) ---------------------------

CHANGE_SET_FORMAT = 1
# A change set's row sets: {its key: the incident's related name for those rows}.
ROW_SETS = {"belligerents": "attributions", "sources": "sources", "assessments": "assessments"}
# What no change sets, besides ids and fields that are not edited (editable=False): the incident a row belongs
# to, and the incident's review state, which only review decisions move.
NOT_CHANGED = {"incident", "review_state"}


def empty_change_set():
    return {"format": CHANGE_SET_FORMAT, "incident": {}, **{key: [] for key in ROW_SETS}}


def is_change_set(value):
    return isinstance(value, dict) and value.get("format") == CHANGE_SET_FORMAT


def changeable_fields(model):
    """{name: field} of what a change set may set on a `model` row."""
    return {
        field.name: field
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if field.editable and not field.primary_key and field.name not in NOT_CHANGED
    }


def encode_value(value):
    """A field's value as a change set holds it: JSON, with dates as ISO text, decimals as text and related
    records as their ids."""
    if isinstance(value, (list, tuple, models.QuerySet)):
        return [encode_value(item) for item in value]
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode_values(model, values):
    """A change set's `values` for a `model` row read back: {name: value}, a related record as its id and a
    many-to-many field as a list of ids. Raises ValidationError for each field that the model no longer has
    (or a change may not set) and each value it can no longer read."""
    fields = changeable_fields(model)
    decoded, errors = {}, {}
    for name, value in values.items():
        field = fields.get(name)
        try:
            if field is None:
                raise ValidationError(gettext("a change cannot set this field (it may have been renamed)."))
            if field.many_to_many:
                if not isinstance(value, list):
                    raise ValidationError(gettext("a list was expected."))
                decoded[name] = [field.related_model._meta.pk.to_python(item) for item in value]
            elif field.is_relation:
                decoded[name] = None if value is None else field.related_model._meta.pk.to_python(value)
            else:
                decoded[name] = field.to_python(value)
        except ValidationError as invalid:
            errors[name] = invalid.messages
    if errors:
        raise ValidationError(errors)
    return decoded


def assign_values(row, values):
    """Set a change set's `values` on `row`, in memory; return its many-to-many values ({name: ids}), which are
    set once the row is saved. Raises ValidationError as decode_values() does."""
    many = {}
    for name, value in decode_values(type(row), values).items():
        field = row._meta.get_field(name)
        if field.many_to_many:
            many[name] = value
        else:
            setattr(row, field.attname, value)
    return many


@dataclass
class RowChange:
    """One row a change set adds, changes or deletes: `stored` is the row as it stands (None for a new row, or
    for one that no longer exists)."""

    model: type
    id: int | None
    stored: models.Model | None
    values: dict
    delete: bool

    @property
    def is_new(self):
        return self.id is None

    @property
    def is_gone(self):
        """Whether the row it changes or deletes no longer exists."""
        return not self.is_new and self.stored is None

    def row(self, incident):
        """The row to write: the stored one (as loaded: set the change's values on a copy to preview it), or a
        new one of `incident`."""
        return self.stored if self.stored is not None else self.model(incident=incident)

    @property
    def label(self):
        name = self.model._meta.verbose_name
        if self.is_new:
            return gettext("New %(row)s") % {"row": name}
        return f"{capfirst(name)} {self.stored if self.stored is not None else self.id}"


def row_changes(incident, change_set):
    """The rows `change_set` touches, in the order a formset saves them: deletions, changes, additions. Only the
    incident's own rows are found (an id of another incident's row is a row that does not exist)."""
    changes = []
    for key, related_name in ROW_SETS.items():
        rows = getattr(incident, related_name)
        entries = change_set.get(key, [])
        stored = rows.in_bulk([entry["id"] for entry in entries if entry.get("id") is not None])
        for entry in sorted(entries, key=lambda entry: (not entry.get("delete"), entry.get("id") is None)):
            row_id = entry.get("id")
            changes.append(
                RowChange(
                    model=rows.model,
                    id=row_id,
                    stored=None if row_id is None else stored.get(row_id),
                    values=entry.get("fields", {}),
                    delete=bool(entry.get("delete")),
                )
            )
    return changes


def not_validated(model):
    """What the models' rules leave out when they check a change: the fields that no change sets (other than a
    row's incident, which unique constraints need)."""
    validated = {*changeable_fields(model), "incident"}
    return [field.name for field in model._meta.concrete_fields if field.name not in validated]


def messages_of(invalid, model, label=""):
    """A ValidationError as one-line messages, "Label — Field: message", for a reviewer."""
    errors = invalid.message_dict if hasattr(invalid, "error_dict") else {NON_FIELD_ERRORS: invalid.messages}
    messages = []
    for name, field_errors in errors.items():
        try:
            field = "" if name == NON_FIELD_ERRORS else capfirst(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            field = name  # a field the model no longer has
        for message in field_errors:
            text = f"{field}: {message}" if field else message
            messages.append(f"{label} — {text}" if label else text)
    return messages


def gone(change):
    return gettext("%(row)s no longer exists.") % {"row": change.label}


def change_set_problems(incident, change_set):
    """Why `change_set` could not be applied to `incident` as it stands (an empty list if it could), found
    without writing anything: what the migration of an older format could not convert, fields and values that no
    longer read, rows that no longer exist, and the models' rules (fields, clean()). Rules between rows (unique
    constraints) are checked on approval, when the rows before them have been written."""
    problems = list(change_set.get("problems", []))
    preview = copy.copy(incident)
    try:
        assign_values(preview, change_set.get("incident", {}))
        preview.full_clean(exclude=not_validated(type(incident)))
    except ValidationError as invalid:
        problems += messages_of(invalid, type(incident))
    for change in row_changes(incident, change_set):
        if change.is_gone:
            problems.append(gone(change))
            continue
        if change.delete:
            continue
        row = copy.copy(change.row(incident))
        try:
            assign_values(row, change.values)
            row.full_clean(exclude=not_validated(change.model), validate_unique=False, validate_constraints=False)
        except ValidationError as invalid:
            problems += messages_of(invalid, change.model, change.label)
    return problems


def apply_change_set(incident, change_set, base_version, by, reason):
    """Make the change `change_set` describes to `incident` (loaded now), as made on `base_version`, through the
    models' rules: each row it writes is full_clean()ed first (fields, clean(), constraints) and saved attributed
    to `by`, with `reason` in the history. Raises EditConflict if the incident was saved after `base_version`,
    and ValidationError (listing every problem; nothing is written) if the change no longer validates."""
    with transaction.atomic():
        problems = list(change_set.get("problems", []))
        many = {}
        try:
            many = assign_values(incident, change_set.get("incident", {}))
            incident.full_clean(exclude=not_validated(type(incident)))
        except ValidationError as invalid:
            problems += messages_of(invalid, type(incident))
        if problems:
            raise ValidationError(problems)
        attribute(incident, by, reason)
        incident.last_edited_by = by
        incident.save_checked(base_version)
        for name, ids in many.items():
            getattr(incident, name).set(ids)
        # Sources deleted last: once the assessments the change also changes no longer name them.
        for change in sorted(row_changes(incident, change_set), key=deletes_a_source):
            problems += apply_row_change(incident, change, by, reason)
        if problems:
            raise ValidationError(problems)
        return incident


def deletes_a_source(change):
    return bool(change.delete) and change.model._meta.model_name == "source"


def apply_row_change(incident, change, by, reason):
    """Write one row of a change set; return the problems that kept it from being written."""
    if change.is_gone:
        return [gone(change)]
    row = change.row(incident)
    attribute(row, by, reason)
    if change.delete:
        try:
            row.delete()
        except (ProtectedError, RestrictedError):
            return [gettext("%(row)s is still named by an assessment.") % {"row": change.label}]
        return []
    try:
        many = assign_values(row, change.values)
        row.full_clean(exclude=not_validated(change.model))
    except ValidationError as invalid:
        return messages_of(invalid, change.model, change.label)
    if row.pk is None and hasattr(row, "created_by_id"):
        row.created_by = by
    row.save()
    for name, ids in many.items():
        getattr(row, name).set(ids)
    return []


def attribute(record, by, reason):
    # What simple-history writes on the record's history row.
    record._change_reason, record._history_user = reason, by


class IncidentRevision(models.Model):
    """A change proposed to a published incident. Readers keep seeing the published record until a reviewer
    approves it; approval applies `change_set` through the models' rules (apply_change_set), against
    `base_version` so that nothing saved since is overwritten unseen.

    `change_set` says what the change changes, by model field, validated by the analyst's form when it was
    proposed and again by the models when it is approved. Format 1, in JSON:

        {"format": 1,
         "incident": {"title": "Strike on the old market", "date_start": "2017-03-17", "strike_types": [2]},
         "belligerents": [{"id": 7, "delete": true}],
         "sources": [{"id": null, "fields": {"url": "https://example.org/a", "publisher": "", ...}}],
         "assessments": [{"id": 12, "fields": {"killed_max": 15}}],
         "problems": []}

    - "incident": the incident's fields that the change sets (only those it changes), by model field name.
    - "belligerents" (the incident's attributions), "sources" and "assessments": the rows it touches, each
      {"id": <the row's id>, "fields": {...}} to change a row (only the fields it changes),
      {"id": null, "fields": {...}} to add one (all its fields), or {"id": <id>, "delete": true} to delete one.
    - Values as JSON: text, numbers, booleans; null for none; dates as "YYYY-MM-DD"; decimals as text; a related
      record as its id; a many-to-many field as a list of ids.
    - "problems" (optional): set by the migration of revisions stored before change sets (0020), listing what
      it could not convert. Such a change is never approved as it stands: the reviewer returns it to its author.

    A field a change may set is an editable field of the model, except a row's incident and the incident's
    review state (changeable_fields). A field renamed or removed later makes a stored change fail validation
    with a message naming it, so the reviewer returns it to its author; a newly required field fails only the
    rows the change adds.
    """

    incident = models.ForeignKey("reports.Incident", on_delete=models.CASCADE, related_name="revisions")
    change_set = models.JSONField(_("proposed change"))
    base_version = models.PositiveIntegerField(_("edited version"))
    state = models.CharField(_("state"), max_length=20, choices=RevisionState.choices, default=RevisionState.PENDING)
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(state__in=OPEN_REVISION_STATES),
                name="revision_one_open_per_incident",
            ),
        ]

    def __str__(self):
        return f"Change to {self.incident} ({self.get_state_display()})"

    def authors(self):
        return {self.created_by_id}

    def deleted_rows(self, row_set):
        """The ids of the rows of `row_set` ("sources", …) this change deletes."""
        return [row["id"] for row in self.change_set.get(row_set, []) if row.get("delete") and row.get("id")]

    def readable_by(self, user):
        """A proposed change is read by its author and the reviewers, not by other analysts."""
        return self.created_by_id == user.pk or can_review(user)

    # --- Review decisions (called through Incident.approve / request_changes / reject) ---

    @property
    def version_token(self):
        """Changes whenever the proposer edits the change: what a reviewer saw is what they approve."""
        return self.updated_at.isoformat()

    def problems(self):
        """Why the change could not be approved as the incident stands, as far as can be told without writing
        (see change_set_problems): what the review pages show beside it."""
        return change_set_problems(self.incident, self.change_set)

    def approve(self, by, comment="", override_reason="", seen=None):
        """Apply the change through the models' rules, on the version it was made on, attributed to its
        proposer. Refused if the incident changed since, if the change was edited after the reviewer saw it
        (`seen`: its version_token then), or if it no longer validates."""
        from reports.models.changes import changes_collected  # (imports this module)

        override = check_reviewer(by, self.authors(), override_reason)
        with changes_collected():
            self._lock_pending()
            self.refresh_from_db(fields=["change_set", "base_version", "updated_at"])
            if seen is not None and seen != self.version_token:
                raise InvalidTransition(gettext("The change was edited after you looked at it: look at it again."))
            self.incident.refresh_from_db()
            try:
                apply_change_set(
                    self.incident,
                    self.change_set,
                    self.base_version,
                    by=self.created_by,
                    reason=self.reason or gettext("Approved change"),
                )
            except ValidationError as invalid:
                raise InvalidTransition(
                    gettext("The change no longer passes validation (%(errors)s); return it to its author.")
                    % {"errors": "; ".join(invalid.messages)}
                ) from invalid
            except EditConflict as conflict:
                raise InvalidTransition(
                    gettext(
                        "The incident was edited after this change was proposed (version %(base)s, now "
                        "%(now)s); return the change so that its author can redo it on the current version."
                    )
                    % {"base": self.base_version, "now": conflict.incident.version}
                ) from conflict
            self._decide(RevisionState.APPROVED, ReviewState.PUBLISHED, by, comment, override)

    def request_changes(self, by, comment, override_reason=""):
        override = check_reviewer(by, self.authors(), override_reason, comment, gettext("Say what needs to change."))
        with transaction.atomic():
            self._lock_pending()
            self._decide(RevisionState.CHANGES_REQUESTED, ReviewState.CHANGES_REQUESTED, by, comment, override)

    def reject(self, by, comment, override_reason=""):
        override = check_reviewer(by, self.authors(), override_reason, comment, gettext("Say why it is rejected."))
        with transaction.atomic():
            self._lock_pending()
            self._decide(RevisionState.REJECTED, ReviewState.REJECTED, by, comment, override)

    def _lock_pending(self):
        # The incident's row before the change's: the order propose_revision takes them in, so a proposer and a
        # reviewer deciding at once queue instead of deadlocking.
        type(self.incident).objects.select_for_update().filter(pk=self.incident_id).exists()
        state = IncidentRevision.objects.select_for_update().values_list("state", flat=True).get(pk=self.pk)
        if state != RevisionState.PENDING:
            raise InvalidTransition(gettext("This change is no longer awaiting review."))

    def _decide(self, state, decision_state, by, comment, override_reason):
        # A decision on a change is recorded as the change moving from "pending review" to the outcome.
        ReviewDecision.objects.create(
            incident=self.incident,
            revision=self,
            from_state=ReviewState.PENDING,
            to_state=decision_state,
            decided_by=by,
            comment=comment,
            override_reason=override_reason,
        )
        self.state = state
        self.save(update_fields=["state", "updated_at"])
