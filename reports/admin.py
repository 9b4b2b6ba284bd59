"""The staff back office. Every list reads its related rows in a fixed number of queries."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from reports.models import (
    Assessment,
    Assessor,
    Belligerent,
    Incident,
    IncidentBelligerent,
    OfficialStatement,
    Source,
    StrikeType,
)

admin.site.site_header = _("Civilian casualty tracker")
admin.site.site_title = _("Casualty tracker admin")
admin.site.index_title = _("Records and reference tables")


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


class IncidentBelligerentInline(admin.TabularInline):
    model = IncidentBelligerent
    extra = 1


class AssessmentInline(admin.StackedInline):
    model = Assessment
    fk_name = "incident"
    extra = 0
    raw_id_fields = ["duplicate_of"]
    fieldsets = [
        (None, {"fields": [("assessor", "verdict", "assessed_on"), ("killed_min", "killed_max")]}),
        (
            _("Injured and breakdown"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("injured_min", "injured_max"),
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
                    "source_url",
                    "quote",
                    "strike_report_url",
                    "location_description",
                    "note",
                ],
            },
        ),
    ]


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    fields = ["position", "url", "publisher", "title", "language", "published_on", "archive_url"]


@admin.register(Incident)
class IncidentAdmin(RecordsCreatorMixin, SimpleHistoryAdmin):
    form = IncidentAdminForm
    list_display = [
        "code",
        "date_start",
        "place_name",
        "governorate",
        "country",
        "belligerent_names",
        "grading",
        "review_state",
        "created_by",
    ]
    list_select_related = ["created_by"]
    list_filter = ["review_state", "country", "grading", "strike_status", "belligerents", "date_precision"]
    search_fields = ["code", "place_name", "place_name_ar", "governorate", "title", "summary"]
    date_hierarchy = "date_start"
    inlines = [IncidentBelligerentInline, AssessmentInline, SourceInline]
    readonly_fields = ["created_by", "created_at", "updated_at", "published_at"]
    filter_horizontal = ["strike_types"]
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
        (_("Record"), {"fields": [("created_by", "created_at"), ("updated_at", "published_at")]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("belligerents")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save_checked(form.cleaned_data["loaded_version"])
        else:
            super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        # Publishing is a reviewer's decision, never an analyst's edit.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("reports.review_incident"):
            readonly.append("review_state")
        return readonly

    @admin.display(description=_("belligerents"))
    def belligerent_names(self, incident):
        return ", ".join(b.name for b in incident.belligerents.all())


@admin.register(Assessment)
class AssessmentAdmin(RecordsCreatorMixin, SimpleHistoryAdmin):
    list_display = ["incident", "assessor", "verdict", "assessed_on", "killed", "injured", "created_by"]
    list_select_related = ["incident", "assessor", "created_by"]
    list_filter = ["assessor__kind", "assessor", "verdict"]
    search_fields = ["incident__code", "incident__place_name", "note", "source_url"]
    date_hierarchy = "assessed_on"
    raw_id_fields = ["incident", "duplicate_of"]
    readonly_fields = ["created_by", "created_at"]

    @admin.display(description=_("civilians killed"))
    def killed(self, assessment):
        return assessment.range_display("killed")

    @admin.display(description=_("civilians injured"))
    def injured(self, assessment):
        return assessment.range_display("injured")


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "incident", "publisher", "language", "platform", "published_on"]
    list_select_related = ["incident"]
    list_filter = ["language", "platform", "has_video"]
    search_fields = ["url", "publisher", "author", "title", "incident__code"]
    raw_id_fields = ["incident"]


@admin.register(OfficialStatement)
class OfficialStatementAdmin(RecordsCreatorMixin, SimpleHistoryAdmin):
    list_display = [
        "published_on",
        "assessor",
        "civilians_killed",
        "reports_under_review",
        "reports_received",
        "reports_credible",
        "reports_non_credible",
    ]
    list_select_related = ["assessor"]
    list_filter = ["assessor"]
    search_fields = ["title", "quote", "note", "url"]
    date_hierarchy = "published_on"
    readonly_fields = ["created_by", "created_at"]


@admin.register(Assessor)
class AssessorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "belligerent", "url"]
    list_select_related = ["belligerent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Belligerent, StrikeType)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
