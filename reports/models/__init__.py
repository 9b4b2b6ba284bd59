"""The domain: incidents, the dated casualty assessments made of them, their sources, the cumulative
statements official assessors publish, and the editorial review of it all.

Integrity rules live twice on purpose: as named database constraints (nothing can store an impossible row,
whatever writes it) and in `clean()` (forms and the admin show the same rule as a readable message).
"""

from reports.models import changes  # noqa: F401  (connects the receivers that note which incidents changed)
from reports.models.assessments import COUNT_RANGES, Assessment, OfficialStatement, StatementItem
from reports.models.incidents import Incident, IncidentBelligerent, Source
from reports.models.reference import Assessor, Belligerent, StrikeType
from reports.models.review import (
    EditConflict,
    IncidentRevision,
    InvalidTransition,
    ReviewDecision,
    RevisionState,
)
from reports.models.search import normalize_search_text
from reports.models.snapshot import PublicVersion, TallySnapshot, data_changed
from reports.models.summary import ComparisonCell, ComparisonChange, TalliedDay, TalliedIncident, TallyCell, TallyChange
from reports.models.vocabulary import (
    ALLEGED_GRADINGS,
    LIKELY_GRADINGS,
    OPEN_VERDICTS,
    STATED_OPEN_VERDICTS,
    AssessorKind,
    BelligerentRole,
    DatePrecision,
    Dating,
    Grading,
    LocationPrecision,
    NonCredibleReason,
    OfficialVerdict,
    ReviewState,
    StatementItemRole,
    StrikeStatus,
    can_review,
    validate_not_future,
)

__all__ = [
    "ALLEGED_GRADINGS",
    "COUNT_RANGES",
    "LIKELY_GRADINGS",
    "OPEN_VERDICTS",
    "STATED_OPEN_VERDICTS",
    "Assessment",
    "Assessor",
    "AssessorKind",
    "Belligerent",
    "BelligerentRole",
    "DatePrecision",
    "Dating",
    "EditConflict",
    "Grading",
    "Incident",
    "IncidentBelligerent",
    "IncidentRevision",
    "InvalidTransition",
    "LocationPrecision",
    "NonCredibleReason",
    "OfficialStatement",
    "OfficialVerdict",
    "ReviewDecision",
    "ReviewState",
    "RevisionState",
    "Source",
    "StatementItem",
    "StatementItemRole",
    "StrikeStatus",
    "StrikeType",
    "PublicVersion",
    "TallySnapshot",
    "TalliedDay",
    "TalliedIncident",
    "TallyCell",
    "TallyChange",
    "ComparisonCell",
    "ComparisonChange",
    "can_review",
    "normalize_search_text",
    "data_changed",
    "validate_not_future",
]
