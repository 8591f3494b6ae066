"""What the cases API reads and writes. Serializers only read and shape input; every
write is the service call the HTML pages make (``cases.steps``), so whatever a form
refuses the API refuses with the same message."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import User
from cases import services
from cases.models import (
    Agreement,
    AgreementSignature,
    Case,
    CaseEvent,
    CaseSource,
    DisputeType,
    Escalation,
    FailureReason,
    FollowUp,
    GradeChange,
    IdempotencyKey,
    Investigation,
    MediationSession,
    Party,
    Refusal,
    ResolutionMeans,
)
from cases.party_serializers import (
    PartyReadSerializer,
    PartyWriteSerializer,
    RepeatDisputesSerializer,
)
from cases.services import INVESTIGATION_FIELDS
from cases.steps import SESSION_FIELDS
from grids.models import Area
from mediators.models import Mediator, Organisation

# ---------------------------------------------------------------------------
# Lookup tables
# ---------------------------------------------------------------------------


class LookupSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)


class SourceSerializer(LookupSerializer):
    is_petition = serializers.BooleanField(read_only=True)
    has_applicant = serializers.BooleanField(read_only=True)


# ---------------------------------------------------------------------------
# Reading a case
# ---------------------------------------------------------------------------


class SlugField(serializers.SlugRelatedField):
    """A related row named by a text column. No such text holds a NUL, and PostgreSQL will
    not even compare with one (a 500): refused as invalid, as a CharField refuses it."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class CodeField(SlugField):
    """A related row named by its stable code, with a message that names the code."""

    default_error_messages = {
        "does_not_exist": _("编码“{value}”不存在。"),
        "invalid": _("编码无效。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)


class CaseSerializer(serializers.ModelSerializer):
    area = CodeField(queryset=Area.objects.all())
    area_name = serializers.CharField(source="area.name", read_only=True)
    source = CodeField(queryset=CaseSource.objects.all())
    dispute_type = CodeField(queryset=DisputeType.objects.all())
    # Null until the case is accepted.
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # "" until mediation fails (declared for the same reason as Party.gender).
    failure_reason = serializers.ChoiceField(
        choices=FailureReason.choices, allow_blank=True, read_only=True
    )
    # "" unless the case was settled other than by mediation (其他方式化解).
    resolution_means = serializers.ChoiceField(
        choices=ResolutionMeans.choices, allow_blank=True, read_only=True
    )
    is_overdue = serializers.SerializerMethodField()
    parties = PartyReadSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "level",
            *services.CASE_FIELDS,
            "area_name",
            "deadline",
            "accepted_on",
            "term_ends_on",
            "term_extended_days",
            "petition_route_by",
            "petition_handle_by",
            "due_on",
            "is_overdue",
            "owner",
            "failed_attempts",
            "failure_reason",
            "outcome_reason",
            "resolution_means",
            "resolution_means_detail",
            "resolution_action",
            "resolution_department",
            "resolved_on",
            "closed_at",
            "void_reason",
            "parties",
            "created_at",
            "updated_at",
        ]
        # Only what registration writes is written here; the workflow sets the rest.
        read_only_fields = [f for f in fields if f not in services.CASE_FIELDS]

    def get_is_overdue(self, case) -> bool:
        return case.is_overdue()


class CaseCreateSerializer(CaseSerializer):
    parties = PartyWriteSerializer(many=True)
    # 重点人员: why a flagged party's case stays below yellow (cases.services.watch).
    watch_grade_override_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=2000
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "watch_grade_override_reason"]
        # The model's validators run here (ID numbers, dates); uniqueness is the service's.
        validators = []


class CaseUpdateSerializer(CaseSerializer):
    class Meta(CaseSerializer.Meta):
        read_only_fields = [*CaseSerializer.Meta.read_only_fields, "grade"]
        validators = []


class SessionSerializer(serializers.ModelSerializer):
    mediators = serializers.PrimaryKeyRelatedField(many=True, queryset=Mediator.objects.all())
    parties_present = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Party.objects.all(), required=False
    )

    class Meta:
        model = MediationSession
        fields = ["id", *SESSION_FIELDS, "level", "created_at"]
        read_only_fields = ["id", "level", "created_at"]


class InvestigationSerializer(serializers.ModelSerializer):
    investigators = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Mediator.objects.all(), required=False
    )
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Investigation
        fields = ["id", *INVESTIGATION_FIELDS, "recorded_by", "created_at"]
        read_only_fields = ["id", "recorded_by", "created_at"]


class AgreementSignatureSerializer(serializers.ModelSerializer):
    party_name = serializers.CharField(source="party.name", read_only=True)

    class Meta:
        model = AgreementSignature
        fields = ["party", "party_name", "how", "signed_on"]
        read_only_fields = fields


# What the signing records and the effect say (art. 29): set by the signing step, shown
# with the agreement.
SIGNING_RECORD_FIELDS = (
    "parties_signed",
    "mediator_signed",
    "sealed",
    "signed_on",
    "signatures",
    "mediator_signer",
    "mediator_signed_on",
    "seal_organisation",
    "sealed_on",
    "sealed_by",
    "effective_on",
    "effect_note",
)


class AgreementSerializer(serializers.ModelSerializer):
    signatures = AgreementSignatureSerializer(many=True, read_only=True)
    sealed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # Null until the agreement takes effect (a written one: once signed).
    judicial_confirmation_deadline = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            *services.AGREEMENT_FIELDS,
            *SIGNING_RECORD_FIELDS,
            "judicial_confirmation_deadline",
            *services.AGREEMENT_UPDATE_FIELDS,
            "superseded_at",
            "created_at",
        ]
        # Only what recording the agreement writes is written here; the rest is set by
        # its signing (AgreementSignSerializer) and the updates (AgreementUpdateSerializer).
        read_only_fields = [f for f in fields if f not in services.AGREEMENT_FIELDS]


class SignatureRowSerializer(serializers.Serializer):
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    # Checked by the service, in the words the page shows.
    how = serializers.CharField(required=False, allow_blank=True, default="")
    signed_on = serializers.DateField(required=False, allow_null=True, default=None)


class AgreementSignSerializer(serializers.Serializer):
    """What has been signed or sealed since last time; anything not yet done is left out."""

    signatures = SignatureRowSerializer(many=True, required=False)
    mediator = serializers.PrimaryKeyRelatedField(
        queryset=Mediator.objects.all(), required=False, allow_null=True
    )
    mediator_signed_on = serializers.DateField(required=False, allow_null=True)
    seal_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    sealed_on = serializers.DateField(required=False, allow_null=True)


class AgreementUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = list(services.AGREEMENT_UPDATE_FIELDS)


class FollowUpSerializer(serializers.ModelSerializer):
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = ["id", *services.FOLLOW_UP_FIELDS, "due_at", "done_by", "created_at"]
        read_only_fields = ["id", "due_at", "done_by", "created_at"]
        extra_kwargs = {"done_at": {"required": True, "allow_null": False}}


@extend_schema_serializer(component_name="FollowUp")  # FollowUpRequest is the other half
class FollowUpReadSerializer(FollowUpSerializer):
    """A follow-up as the case shows it: one that is only scheduled has no done_at yet,
    which a visit being recorded must have. A waived one names who waived it and why."""

    waived_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta(FollowUpSerializer.Meta):
        # cancelled_at and waive_reason are not editable: read-only by themselves.
        fields = [*FollowUpSerializer.Meta.fields, "cancelled_at", "waived_by", "waive_reason"]
        extra_kwargs = {}


class RefusalSerializer(serializers.ModelSerializer):
    party_name = serializers.CharField(source="party.name", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Refusal
        fields = ["party", "party_name", "refused_on", "note", "recorded_by", "created_at"]
        read_only_fields = fields


class GradeChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = GradeChange
        fields = ["from_grade", "to_grade", "reason", "changed_by", "changed_at"]


class EscalationSerializer(serializers.ModelSerializer):
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Escalation
        fields = [
            "id",
            "from_level",
            "to_level",
            "reason",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["kind", "actor", "at", "from_status", "to_status", "note", "changes"]


class CaseDetailSerializer(CaseSerializer):
    mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)
    investigations = InvestigationSerializer(many=True, read_only=True)
    agreement = AgreementSerializer(read_only=True, allow_null=True)
    grade_changes = GradeChangeSerializer(many=True, read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)
    follow_ups = FollowUpReadSerializer(many=True, read_only=True)
    refusal = serializers.SerializerMethodField()
    events = EventSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "mediators",
            "sessions",
            "investigations",
            "agreement",
            "grade_changes",
            "escalations",
            "follow_ups",
            "refusal",
            "events",
        ]

    @extend_schema_field(RefusalSerializer(allow_null=True))
    def get_refusal(self, case) -> dict | None:
        """Who refused mediation and when (art. 17); null unless a party refused."""
        refusal = getattr(case, "refusal", None)
        return RefusalSerializer(refusal).data if refusal is not None else None


class CaseCreatedSerializer(CaseDetailSerializer):
    """The registered case, and the earlier disputes of its parties the caller may see."""

    repeat_disputes = RepeatDisputesSerializer(read_only=True)

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "repeat_disputes"]


# ---------------------------------------------------------------------------
# Workflow steps
# ---------------------------------------------------------------------------


class AcceptSerializer(serializers.Serializer):
    owner = SlugField(slug_field="username", queryset=User.objects.filter(is_active=True))
    mediators = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Mediator.objects.all(), required=False
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    accepted_on = serializers.DateField(required=False, allow_null=True)


def reason_field() -> serializers.CharField:
    # Blank passes: that a reason must be given is the service's rule, refused in its
    # words (the page's too).
    return serializers.CharField(max_length=2000, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = reason_field()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class GradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Case._meta.get_field("grade").choices)
    reason = reason_field()


class DecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def refusing_party_field() -> serializers.PrimaryKeyRelatedField:
    # Any party is read; that it is one of the case's is the service's rule (its words).
    return serializers.PrimaryKeyRelatedField(
        queryset=Party.objects.all(), required=False, allow_null=True, default=None
    )


class FailSerializer(serializers.Serializer):
    failure_reason = serializers.ChoiceField(choices=FailureReason.choices)
    routes_explained = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    # Only with the reason party_refused: who refused and when (art. 17).
    party = refusing_party_field()
    refused_on = serializers.DateField(required=False, allow_null=True, default=None)


class RefusalRequestSerializer(serializers.Serializer):
    party = refusing_party_field()
    refused_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    routes_explained = serializers.BooleanField(default=False)


class WaiveSerializer(serializers.Serializer):
    follow_up = serializers.PrimaryKeyRelatedField(
        queryset=FollowUp.objects.all(), required=False, allow_null=True, default=None
    )
    reason = reason_field()


class ResolveOtherwiseSerializer(serializers.Serializer):
    # Blank passes where the service refuses it in its own words (the page's too).
    means = serializers.ChoiceField(choices=ResolutionMeans.choices)
    means_detail = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )
    action_taken = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default=""
    )
    department = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    resolved_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TermExtensionSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365)
    # False passes: that both parties must consent is the service's rule, in its words.
    parties_consented = serializers.BooleanField(default=False)
    reason = reason_field()


class PetitionExtensionSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365)
    reason = reason_field()


# A longer key would not fit the column (a 500 on PostgreSQL): refused up front.
IDEMPOTENCY_KEY = serializers.CharField(
    max_length=IdempotencyKey._meta.get_field("key").max_length, allow_blank=True
)


# ---------------------------------------------------------------------------
# 随手调 (services.case_settle_on_spot)
# ---------------------------------------------------------------------------


class OnTheSpotPartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = list(services.ON_SPOT_PARTY_FIELDS)
        # That each party has a name, and that there are two, is the service's rule,
        # refused in the words the page shows.
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}


class OnTheSpotSerializer(serializers.Serializer):
    area = CodeField(queryset=Area.objects.all())
    dispute_type = CodeField(queryset=DisputeType.objects.all())
    summary = serializers.CharField(
        max_length=Case._meta.get_field("summary").max_length, allow_blank=True, default=""
    )
    parties = OnTheSpotPartySerializer(many=True)
    terms = serializers.CharField(
        max_length=Agreement._meta.get_field("terms").max_length, allow_blank=True, default=""
    )
    grade = serializers.ChoiceField(choices=Case._meta.get_field("grade").choices, default="blue")
    source = CodeField(queryset=CaseSource.objects.all(), required=False)
    mediators = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Mediator.objects.all(), required=False
    )
    place_detail = serializers.CharField(
        max_length=MediationSession._meta.get_field("place_detail").max_length,
        allow_blank=True,
        default="",
    )
    rebound_risk = serializers.BooleanField(default=False)

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        return {
            "data": {
                f: data[f]
                for f in ("area", "dispute_type", "summary", "grade", "source")
                if f in data
            },
            "parties": data["parties"],
            "terms": data["terms"],
            "mediators": data.get("mediators"),
            "place_detail": data["place_detail"],
            "rebound_risk": data["rebound_risk"],
        }
