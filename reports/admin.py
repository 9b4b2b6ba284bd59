"""The staff back office. Every list reads its related rows in a fixed number of queries."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.html import format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from reports.admin_import import ImportBatchAdmin, import_view
from reports.admin_release import release_view
from reports.admin_review import (
    CHANGELIST_FILTERS,
    DECISIONS,
    QUEUE,
    STATEMENTS,
    ReviewStateFilter,
    StatementStateFilter,
    VerdictFilter,
    decide,
    with_queue_fields,
)
from reports.figures.receivers import SUMMARY_KEYS, SUMMARY_RELATIONS, summary_keys_in_use
from reports.forms import DATE_INPUT
from reports.history import change_log, proposed_changes
from reports.models import (
    Assessment,
    Assessor,
    Belligerent,
    Incident,
    IncidentBelligerent,
    InvalidTransition,
    OfficialStatement,
    ReviewState,
    Source,
    StatementItem,
    StrikeType,
    can_review,
)
from reports.models.imports import ImportBatch
from reports.models.search import normalize_search_text
from reports.models.vocabulary import FIRST_DATE, LAST_DATE

admin.site.register(ImportBatch, ImportBatchAdmin)
admin.site.site_header = _("Civilian casualty tracker")
admin.site.site_title = _("Casualty tracker admin")
admin.site.index_title = _("Records and reference tables")
# At a laptop's width the navigation sidebar takes a quarter of the screen from the queue's columns and an
# incident's rows; the breadcrumbs and the index lead to the same pages.
admin.site.enable_nav_sidebar = False


class GuardedHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's history pages, limited to records the user may see, and read-only: its "revert" form
    would change a record past the review workflow and the version check."""

    def history_view(self, request, object_id, extra_context=None):
        self.visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.visible_or_404(request, object_id)
        if not (version_id.isascii() and version_id.isdigit()):
            raise Http404
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def visible_or_404(self, request, object_id):
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):  # not an id at all
            visible = False
        if not visible:
            raise Http404

    def changelist_view(self, request, extra_context=None):
        # The admin turns a bad filter into "?e=1" itself, but not a date-hierarchy year it cannot hold.
        if self.date_hierarchy and not date_hierarchy_valid(request.GET, self.date_hierarchy):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)


def date_hierarchy_valid(query, field):
    """Whether the date hierarchy's year, month and day in `query` make a date the tracker can hold."""
    parts = {part: query.get(f"{field}__{part}") for part in ("year", "month", "day")}
    if not any(parts.values()):
        return True
    if not all(value is None or (value.isascii() and value.isdigit() and len(value) <= 4) for value in parts.values()):
        return False
    try:
        datetime.date(int(parts["year"] or FIRST_DATE.year), int(parts["month"] or 1), int(parts["day"] or 1))
    except ValueError:
        return False
    return FIRST_DATE.year <= int(parts["year"] or FIRST_DATE.year) <= LAST_DATE.year


class RecordsCreatorMixin:
    """Attributes new records, and new inline rows, to the user who saved them. (Every change is also in the
    history, attributed by simple-history's middleware.)"""

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if instance.pk is None and hasattr(instance, "created_by_id"):
                instance.created_by = request.user
        super().save_formset(request, form, formset, change)


class ReviewedRecordMixin:
    """The admin of records reviewers decide on: its review actions (`permissions=["review"]`) and pages are
    theirs."""

    def has_review_permission(self, request):
        return can_review(request.user)


class IncidentPartInline:
    """An incident's rows can be changed exactly when the incident can."""

    def _incident_editable(self, request, obj):
        return obj is None or obj.can_change_directly(request.user)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._incident_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._incident_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._incident_editable(request, obj)


class IncidentAdminForm(forms.ModelForm):
    # Not named `version`: the admin refuses a non-editable model field's name in its fieldsets.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("loaded_version", self.instance.version)

    def clean(self):
        # The same no-lost-updates rule as the analysts' form; save_model() re-checks it atomically.
        cleaned = super().clean()
        if self.instance.pk:
            stored = Incident.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if cleaned.get("loaded_version") != stored:
                raise forms.ValidationError(
                    _(
                        "Someone else saved this incident after you opened it. Nothing was saved; open it again in "
                        "another tab to see their changes, then merge yours."
                    )
                )
        return cleaned


class IncidentBelligerentInline(IncidentPartInline, admin.TabularInline):
    model = IncidentBelligerent
    extra = 1


class AssessmentInline(IncidentPartInline, admin.StackedInline):
    model = Assessment
    fk_name = "incident"
    extra = 0
    # Not a raw id: its label would name whatever incident an id is typed for, published or not.
    autocomplete_fields = ["duplicate_of"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("assessor", "verdict", "assessed_on", "dating"),
                    ("killed_min", "killed_max", "killed_max_open"),
                    "caveat",
                ]
            },
        ),
        (
            _("Injured, missing and breakdown"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("injured_min", "injured_max"),
                    ("missing_min", "missing_max"),
                    ("children_killed_min", "children_killed_max"),
                    ("women_killed_min", "women_killed_max"),
                    ("men_killed_min", "men_killed_max"),
                    ("combatants_killed_min", "combatants_killed_max"),
                ],
            },
        ),
        (
            _("Reasons, words and links"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("non_credible_reason", "duplicate_of"),
                    "source",
                    "source_url",
                    "quote",
                    "strike_report_url",
                    "location_description",
                    "note",
                ],
            },
        ),
    ]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The incident's own sources only (the model refuses another's): not every source of every incident.
        if field := formset.form.base_fields.get("source"):
            field.queryset = obj.sources.all() if obj else field.queryset.none()
        return formset


class SourceInline(IncidentPartInline, admin.TabularInline):
    """Compact rows that fit a laptop's screen (the widths are in css/admin-review.css): plain inputs for links,
    since the admin's link widget writes each stored link out in full above its input, and for dates. The
    position may be left empty: the source then goes last (Source.save)."""

    model = Source
    extra = 0
    fields = ["position", "url", "title", "publisher", "language", "published_on", "archive_url"]
    formfield_overrides = {
        models.URLField: {"widget": forms.URLInput},
        models.CharField: {"widget": forms.TextInput(attrs={"dir": "auto"})},  # Arabic titles read right to left
        models.DateField: {"widget": DATE_INPUT},  # the browser's own picker: one line, not three
    }


@admin.register(Incident)
class IncidentAdmin(ReviewedRecordMixin, RecordsCreatorMixin, GuardedHistoryAdmin):
    form = IncidentAdminForm
    change_form_template = "admin/reports/incident/change_form.html"
    change_list_template = "admin/reports/incident/change_list.html"
    # Few and short columns, so that the queue fits a laptop's screen beside the filters (the country, the
    # author and more are filters, and on each incident's page).
    list_display = ["code", "date", "place", "belligerent_names", "state", "waiting", "deaths", "submitted_by"]
    list_select_related = ["submitted_by"]
    list_filter = [
        ReviewStateFilter,
        "country",
        "belligerents",
        VerdictFilter,
        ("submitted_by", admin.RelatedOnlyFieldListFilter),
        "grading",
        "strike_status",
    ]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["code", "place_name", "place_name_ar", "governorate", "title", "summary", "sources__url"]
    date_hierarchy = "date_start"
    inlines = [IncidentBelligerentInline, AssessmentInline, SourceInline]

    def get_search_results(self, request, queryset, search_term):
        """The admin's search, and the readers' search as well: an Arabic place name in any spelling (the
        normal form of reports.models.search, which the list's own fields do not know)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = found | queryset.filter(search_text__contains=normalize_search_text(search_term))
        return found, may_have_duplicates

    readonly_fields = [
        "review_state",
        "external_data",  # what an import kept: shown, never typed in
        *["created_by", "created_at", "last_edited_by", "updated_at"],
        *["submitted_by", "submitted_at", "published_by", "published_at"],
    ]
    filter_horizontal = ["strike_types"]
    actions = ["approve_selected", "request_changes_selected", "reject_selected", "retract_selected"]
    fieldsets = [
        (None, {"fields": ["code", "title", "summary", "review_state", "loaded_version"]}),
        (_("When"), {"fields": [("date_start", "date_end"), ("date_precision", "time_of_day"), "first_reported_on"]}),
        (
            _("Where"),
            {
                "fields": [
                    ("country", "governorate", "district"),
                    ("place_name", "place_name_ar"),
                    ("latitude", "longitude", "location_precision"),
                ]
            },
        ),
        (
            _("What"),
            {
                "fields": [
                    "strike_types",
                    ("strike_status", "strike_count"),
                    ("grading", "civilian_harm_reported"),
                    ("cause_of_harm", "infrastructure"),
                ]
            },
        ),
        (
            _("Imported from"),
            {"classes": ["collapse"], "fields": ["external_id", "external_url", "external_data"]},
        ),
        (
            _("Record"),
            {
                "fields": [
                    ("created_by", "created_at"),
                    ("last_edited_by", "updated_at"),
                    ("submitted_by", "submitted_at"),
                    ("published_by", "published_at"),
                ]
            },
        ),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: import_view(self, request))
        release = self.admin_site.admin_view(lambda request: release_view(self, request))
        return [
            path("import/", view, name="reports_incident_import"),
            path("release/", release, name="reports_incident_release"),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        # Analysts see published incidents and their own; reviewers see everything.
        incidents = Incident.objects.visible_to(request.user).with_summary_relations()
        return with_queue_fields(incidents)

    def get_ordering(self, request):
        # The queue is worked oldest first.
        if ReviewStateFilter.selected(request) == QUEUE:
            return ["submitted_at", "code"]
        return super().get_ordering(request)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.can_change_directly(request.user))

    def save_model(self, request, obj, form, change):
        # Whoever saves is the last editor, so the four-eyes rule keeps them from approving it alone.
        obj.last_edited_by = request.user
        if change:
            obj.save_checked(form.cleaned_data["loaded_version"])
        else:
            super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        incident = self.get_object(request, object_id)
        if incident is not None:
            # A page read-only to an analyst (a published incident) leads to where they may propose a change.
            context = {
                **self.review_context(request, incident),
                "can_propose": incident.can_edit(request.user),
                "changelist_filters": request.GET.get(CHANGELIST_FILTERS, ""),
            }
            extra_context = {**(extra_context or {}), **context}
        return super().change_view(request, object_id, form_url, extra_context)

    def review_context(self, request, incident):
        """What a reviewer decides on: decisions so far, the field-level history, the assessments side by side,
        and for a pending change to a published incident, what it would change."""
        revision = incident.revision_awaiting_review()
        if revision and not revision.readable_by(request.user):
            revision = None
        proposed, proposal_problem = proposed_changes(revision) if revision else ([], "")
        decisions = incident.decisions.visible_to(request.user)
        return {
            "incident": incident,
            "decisions": decisions.select_related("decided_by", "revision__created_by"),
            "history": change_log(incident),
            "assessment_columns": [
                (_("Official"), incident.official_assessments()),
                (_("Independent monitors"), incident.monitor_assessments()),
            ],
            "revision": revision,
            "proposed": proposed,
            "proposal_problem": proposal_problem,
            "can_review": self.has_review_permission(request),
            "decision_choices": [
                (f"{name}_selected", decision.title)
                for name, decision in DECISIONS.items()
                if incident.awaits(name)
                and (request.user.is_superuser or not incident.review_refusal(request.user, name))
            ],
        }

    @admin.action(description=_("Approve selected incidents or changes…"), permissions=["review"])
    def approve_selected(self, request, queryset):
        return decide(self, request, queryset, DECISIONS["approve"])

    @admin.action(description=_("Request changes to selected…"), permissions=["review"])
    def request_changes_selected(self, request, queryset):
        return decide(self, request, queryset, DECISIONS["request_changes"])

    @admin.action(description=_("Reject selected…"), permissions=["review"])
    def reject_selected(self, request, queryset):
        return decide(self, request, queryset, DECISIONS["reject"])

    @admin.action(description=_("Retract selected published incidents…"), permissions=["review"])
    def retract_selected(self, request, queryset):
        return decide(self, request, queryset, DECISIONS["retract"])

    @admin.display(description=_("date"), ordering="date_start")
    def date(self, incident):
        return incident.date_start

    @admin.display(description=_("place"), ordering="place_name")
    def place(self, incident):
        return ", ".join(part for part in (incident.place_name, incident.country) if part)

    @admin.display(description=_("belligerents"))
    def belligerent_names(self, incident):
        return ", ".join(b.name for b in incident.belligerents.all())

    @admin.display(description=_("deaths"))
    def deaths(self, incident):
        """Civilians killed, as each assessor's current assessment has it."""
        return (
            format_html_join(
                "",
                "<div>{} <small>{}</small></div>",
                ((assessment.range_display(), assessment.assessor.name) for assessment in incident.current_assessments),
            )
            or "—"
        )

    @admin.display(description=_("state"), ordering="review_state")
    def state(self, incident):
        if incident.has_pending_change:
            return _("%(state)s, change pending") % {"state": incident.get_review_state_display()}
        return incident.get_review_state_display()

    @admin.display(description=_("waiting"), ordering="submitted_at")
    def waiting(self, incident):
        awaiting = incident.review_state == ReviewState.PENDING or incident.has_pending_change
        return timesince(incident.submitted_at) if awaiting and incident.submitted_at else "—"


class IncidentPartAdmin(GuardedHistoryAdmin):
    """Assessments and sources are listed and searched here, but changed only on their incident's page, where
    the incident's state and the four-eyes rule apply. Analysts see only the rows of incidents they may see."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(incident__in=Incident.objects.visible_to(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(IncidentPartAdmin):
    list_display = ["incident", "assessor", "verdict", "assessed_on", "killed", "injured", "created_by"]
    list_select_related = ["incident", "assessor", "created_by"]
    list_filter = ["assessor__kind", "assessor", "verdict"]
    search_fields = ["incident__code", "incident__place_name", "note", "source_url"]
    date_hierarchy = "assessed_on"
    raw_id_fields = ["incident"]
    readonly_fields = ["created_by", "created_at", "duplicate_of"]

    @admin.display(description=_("civilians killed"))
    def killed(self, assessment):
        return assessment.range_display("killed")

    @admin.display(description=_("civilians injured"))
    def injured(self, assessment):
        return assessment.range_display("injured")


@admin.register(Source)
class SourceAdmin(IncidentPartAdmin):
    list_display = ["__str__", "incident", "publisher", "language", "platform", "published_on"]
    list_select_related = ["incident"]
    list_filter = ["language", "platform", "has_video"]
    search_fields = ["url", "publisher", "author", "title", "incident__code"]
    raw_id_fields = ["incident"]


class StatementItemInline(admin.TabularInline):
    """A statement's details: part of it, so editable exactly while the statement is."""

    model = StatementItem
    extra = 1
    autocomplete_fields = ["incident"]  # published ones only (see AssessmentInline)
    fields = ["role", "description", "incident", "civilians_killed", "strikes", "period_start", "period_end"]

    def _statement_editable(self, request, obj):
        return obj is None or obj.editable_by(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._statement_editable(request, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._statement_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._statement_editable(request, obj)


def figure(name, label):
    """A statement's figure as a list column under a short label: the fields' own names are sentences, too wide
    for a laptop's screen."""

    @admin.display(description=label, ordering=name)
    def column(statement):
        return getattr(statement, name)

    column.__name__ = name
    return column


@admin.register(OfficialStatement)
class OfficialStatementAdmin(ReviewedRecordMixin, RecordsCreatorMixin, GuardedHistoryAdmin):
    """Statements are reviewed like incidents: another reviewer than anyone who wrote them approves them, and a
    public one is retracted (with a reason), never deleted."""

    change_form_template = "admin/reports/officialstatement/change_form.html"
    inlines = [StatementItemInline]
    list_display = [
        "published_on",
        "assessor",
        "state",
        figure("civilians_killed", _("killed")),
        figure("reports_under_review", _("under review")),
        figure("reports_received", _("received")),
        figure("reports_credible", _("credible")),
        figure("reports_non_credible", _("non-credible")),
    ]
    list_select_related = ["assessor"]
    search_fields = ["title", "quote", "note", "url"]
    date_hierarchy = "published_on"
    readonly_fields = ["created_by", "created_at", "approved_by", "approved_at", "retracted_by", "retracted_at"]
    list_filter = [StatementStateFilter, "assessor"]
    actions = ["approve_selected"]

    def get_queryset(self, request):
        # Analysts see public statements and their own; reviewers everything.
        statements = super().get_queryset(request)
        if can_review(request.user):
            return statements
        return statements.filter(Q(approved_at__isnull=False) | Q(created_by=request.user.pk))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a public statement is retracted, not deleted: see has_delete_permission
        return actions

    def has_change_permission(self, request, obj=None):
        # An approved statement is public: a new statement corrects it, not an edit. Until then its author or a
        # reviewer may fix it.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.editable_by(request.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.editable_by(request.user))

    @admin.display(description=_("state"))
    def state(self, statement):
        return statement.get_review_state_display()

    def get_urls(self):
        retract_view = self.admin_site.admin_view(self.retract_view)
        return [path("<int:pk>/retract/", retract_view, name="reports_officialstatement_retract"), *super().get_urls()]

    def get_ordering(self, request):
        # The queue is worked oldest first.
        if StatementStateFilter.selected(request) == QUEUE:
            return ["created_at", "pk"]
        return super().get_ordering(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        statement = self.get_object(request, object_id)
        if statement is not None and self.has_review_permission(request):
            refusal = statement.review_refusal(request.user)
            pending = statement.review_state == ReviewState.PENDING
            can_approve = pending and (request.user.is_superuser or not refusal)
            can_retract = statement.review_state == ReviewState.PUBLISHED and not refusal
            context = {
                "refusal": refusal,
                "can_approve": can_approve,
                "can_retract": can_retract,
                "changelist_filters": request.GET.get(CHANGELIST_FILTERS, ""),
            }
            extra_context = {**(extra_context or {}), **context}
        return super().change_view(request, object_id, form_url, extra_context)

    def retract_view(self, request, pk):
        if request.method != "POST" or not self.has_review_permission(request):
            raise PermissionDenied
        statement = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            reason = request.POST.get("reason", "").replace("\x00", "").strip()[:5000]  # no NUL: text stores none
            statement.retract(request.user, reason)
        except InvalidTransition as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(request, _("Retracted: %(statement)s") % {"statement": statement}, messages.SUCCESS)
        return redirect("admin:reports_officialstatement_change", statement.pk)

    @admin.action(description=_("Approve selected statements (make them public)…"), permissions=["review"])
    def approve_selected(self, request, queryset):
        return decide(self, request, queryset, DECISIONS["approve"], STATEMENTS)


class SummaryKeysAdmin(admin.ModelAdmin):
    """Once records are counted through it, an assessor's kind and whom it speaks for, or a belligerent's slug,
    are read-only: changing them rebuilds the whole summary, which on a large database takes longer than a
    request may last."""

    @staticmethod
    def keys_locked(obj):
        """Asked by three of the admin's hooks per page: looked up once per object."""
        if obj is None:
            return False
        if not hasattr(obj, "_summary_keys_locked"):
            obj._summary_keys_locked = summary_keys_in_use(obj)
        return obj._summary_keys_locked

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.keys_locked(obj):
            readonly += [*SUMMARY_KEYS[type(obj)], *SUMMARY_RELATIONS[type(obj)]]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.keys_locked(obj):
            return fieldsets
        (name, options), *rest = fieldsets
        why = _(
            "The %(fields)s cannot be changed here: records are counted through it, and changing it would recount"
            " every figure, which takes minutes on a large database."
        )
        keys = [*SUMMARY_KEYS[type(obj)], *SUMMARY_RELATIONS[type(obj)]]
        fields = ", ".join(str(self.model._meta.get_field(key).verbose_name) for key in keys)
        return [(name, {**options, "description": why % {"fields": fields}}), *rest]

    def get_prepopulated_fields(self, request, obj=None):
        readonly = self.get_readonly_fields(request, obj)
        prepopulated = super().get_prepopulated_fields(request, obj)
        return {name: sources for name, sources in prepopulated.items() if name not in readonly}


@admin.register(Assessor)
class AssessorAdmin(SummaryKeysAdmin):
    list_display = ["name", "kind", "spoken_for", "url"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["speaks_for"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("speaks_for")

    @admin.display(description=_("speaks for"))
    def spoken_for(self, assessor):
        return ", ".join(belligerent.name for belligerent in assessor.speaks_for.all())


@admin.register(Belligerent)
class BelligerentAdmin(SummaryKeysAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StrikeType)
class StrikeTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
