"""The cases API (/api/v1/cases/...). Serializers only read and shape input; every
write is the same service call the HTML pages make, so whatever a form refuses the API
refuses with the same message."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import User
from cases import selectors, services
from cases.filters import CaseFilter
from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseSource,
    DisputeType,
    Escalation,
    FailureReason,
    FollowUp,
    GradeChange,
    IdempotencyKey,
    MediationSession,
    Party,
    PartyGender,
)
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


class LookupViewSet(viewsets.ReadOnlyModelViewSet):
    """A small lookup table, read whole and named by code."""

    lookup_field = "code"
    pagination_class = None
    filter_backends = []


class DisputeTypeViewSet(LookupViewSet):
    """纠纷类型 (editable lookup table)."""

    queryset = DisputeType.objects.all()
    serializer_class = LookupSerializer


class SourceViewSet(LookupViewSet):
    """案件来源 (editable lookup table)."""

    queryset = CaseSource.objects.all()
    serializer_class = SourceSerializer


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


class PartyReadSerializer(serializers.ModelSerializer):
    # Lists and the API show personal numbers masked (DOMAIN §6); the full value is
    # revealed, and logged, only on the case page to roles that need it.
    id_number_masked = serializers.CharField(source="masked_id_number", read_only=True)
    mobile_masked = serializers.CharField(source="masked_mobile", read_only=True)
    # Declared: a read-only field built from the model loses allow_blank, and the schema
    # would then leave out the "" of a party whose gender is not known.
    gender = serializers.ChoiceField(choices=PartyGender.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Party
        fields = [
            "id",
            "role",
            "name",
            "gender",
            "id_number_masked",
            "mobile_masked",
            "address",
            *Party.VULNERABILITY_FLAGS,
            "refused_mediation",
        ]
        read_only_fields = fields


class PartyWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = list(services.PARTY_FIELDS)


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
    is_overdue = serializers.SerializerMethodField()
    parties = PartyReadSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "grade",
            "level",
            "area",
            "area_name",
            "title",
            "summary",
            "source",
            "dispute_type",
            "occurred_on",
            "received_on",
            "deadline",
            "is_overdue",
            "is_group",
            "people_involved",
            "amount_at_stake",
            "violence_risk",
            "petition_risk",
            "external_reference",
            "owner",
            "failed_attempts",
            "failure_reason",
            "outcome_reason",
            "closed_at",
            "void_reason",
            "parties",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "status",
            "level",
            "deadline",
            "owner",
            "failed_attempts",
            "failure_reason",
            "outcome_reason",
            "closed_at",
            "void_reason",
            "created_at",
            "updated_at",
        ]

    def get_is_overdue(self, case) -> bool:
        return case.is_overdue()


class CaseCreateSerializer(CaseSerializer):
    parties = PartyWriteSerializer(many=True)

    class Meta(CaseSerializer.Meta):
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
        fields = [
            "id",
            "held_at",
            "place",
            "place_detail",
            "method",
            "mediators",
            "parties_present",
            "content",
            "result",
            "level",
            "created_at",
        ]
        read_only_fields = ["id", "level", "created_at"]


class AgreementSerializer(serializers.ModelSerializer):
    # Null until the agreement takes effect (a written one: once signed).
    judicial_confirmation_deadline = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            *services.AGREEMENT_FIELDS,
            "effective_on",
            "judicial_confirmation_deadline",
            "judicial_confirmation",
            "judicial_confirmation_on",
            "performance",
            "performance_note",
            "superseded_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "effective_on",
            "judicial_confirmation",
            "judicial_confirmation_on",
            "performance",
            "performance_note",
            "superseded_at",
            "created_at",
        ]


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
    which a visit being recorded must have."""

    class Meta(FollowUpSerializer.Meta):
        extra_kwargs = {}


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
    agreement = AgreementSerializer(read_only=True, allow_null=True)
    grade_changes = GradeChangeSerializer(many=True, read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)
    follow_ups = FollowUpReadSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "mediators",
            "sessions",
            "agreement",
            "grade_changes",
            "escalations",
            "follow_ups",
            "events",
        ]


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


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class GradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Case._meta.get_field("grade").choices)
    reason = serializers.CharField(max_length=2000)


class DecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FailSerializer(serializers.Serializer):
    failure_reason = serializers.ChoiceField(choices=FailureReason.choices)
    routes_explained = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# A longer key would not fit the column (a 500 on PostgreSQL): refused up front.
IDEMPOTENCY_KEY = serializers.CharField(
    max_length=IdempotencyKey._meta.get_field("key").max_length, allow_blank=True
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": IDEMPOTENCY_KEY.max_length},
    OpenApiParameter.HEADER,
    required=False,
    description="重试时带同一个键,只登记一次并返回第一次的结果。",
)


@extend_schema_view(
    list=extend_schema(summary="台账:本辖区的案件"),
    retrieve=extend_schema(summary="案件详情,含调解记录、协议、回访和办理经过"),
    partial_update=extend_schema(summary="修改案件信息", request=CaseUpdateSerializer),
)
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = CaseFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        # The one scoping function: outside the caller's area is 404, as on the pages.
        cases = selectors.visible_cases(self.request.user).select_related(
            "area", "source", "dispute_type", "owner"
        )
        if self.action == "list":
            return cases.prefetch_related(
                Prefetch("parties", queryset=Party.objects.order_by("id"))
            )
        return self._with_history(cases)

    @staticmethod
    def _with_history(cases):
        """Everything the detail shows, in a fixed number of queries."""
        return cases.prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("id")),
            "mediators",
            Prefetch(
                "sessions",
                queryset=MediationSession.objects.prefetch_related("mediators", "parties_present"),
            ),
            "agreements",
            Prefetch("grade_changes", queryset=GradeChange.objects.select_related("changed_by")),
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related("proposed_by", "decided_by"),
            ),
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("done_by")),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        )

    def get_serializer_class(self):
        return {
            "create": CaseCreateSerializer,
            "partial_update": CaseUpdateSerializer,
            "retrieve": CaseDetailSerializer,
        }.get(self.action, CaseSerializer)

    def _detail(self, case, code=status.HTTP_200_OK, headers=None):
        """The case as it stands after a step, re-read through the caller's scope."""
        cases = selectors.visible_cases(self.request.user).select_related(
            "area", "source", "dispute_type", "owner"
        )
        fresh = self._with_history(cases).filter(pk=case.pk).first()
        if fresh is None:
            # The case has since left the caller's area (a replayed push of a case a
            # district clerk moved): as anywhere else outside the area, 404.
            raise NotFound
        data = CaseDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=code, headers=headers)

    @extend_schema(
        summary="登记案件(可带当事人),支持重试",
        parameters=[IDEMPOTENCY_HEADER],
        # JSON only: a form cannot carry the list of parties, which is required.
        request={"application/json": CaseCreateSerializer},
        responses={201: CaseDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        try:
            key = IDEMPOTENCY_KEY.run_validation(request.headers.get("Idempotency-Key", ""))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"Idempotency-Key": exc.detail}) from exc
        serializer = CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties = data.pop("parties")
        registration = services.case_register_once(
            by=request.user,
            data=data,
            parties=parties,
            idempotency_key=key,
        )
        headers = {} if registration.created else {"Idempotent-Replayed": "true"}
        return self._detail(registration.case, status.HTTP_201_CREATED, headers)

    def update(self, request, *args, **kwargs):
        case = self.get_object()
        serializer = CaseUpdateSerializer(case, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.case_update(case=case, by=request.user, data=serializer.validated_data)
        return self._detail(case)

    def _step(self, request, serializer_class, perform, code=status.HTTP_200_OK):
        case = self.get_object()
        serializer = serializer_class(
            data=request.data, context={**self.get_serializer_context(), "case": case}
        )
        serializer.is_valid(raise_exception=True)
        perform(case, serializer.validated_data)
        return self._detail(case, code)

    @extend_schema(summary="受理并指派", request=AcceptSerializer, responses=CaseDetailSerializer)
    # ``format``: the router also routes ``…/accept.json``; without the argument such a
    # request crashed (500) instead of answering like the plain URL. Same on every action.
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, format=None):
        return self._step(
            request,
            AcceptSerializer,
            lambda case, data: services.case_accept(
                case=case,
                by=request.user,
                owner=data["owner"],
                mediators=data.get("mediators", []),
                organisation=data.get("organisation"),
                note=data.get("note", ""),
            ),
        )

    @extend_schema(summary="不予受理", request=ReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="not-accept")
    def not_accept(self, request, pk=None, format=None):
        return self._step(
            request,
            ReasonSerializer,
            lambda case, data: services.case_not_accept(
                case=case, by=request.user, reason=data["reason"]
            ),
        )

    @extend_schema(summary="撤回", request=ReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, format=None):
        return self._step(
            request,
            ReasonSerializer,
            lambda case, data: services.case_withdraw(
                case=case, by=request.user, reason=data["reason"]
            ),
        )

    @extend_schema(
        summary="记录调解", request=SessionSerializer, responses={201: CaseDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None, format=None):
        return self._step(
            request,
            SessionSerializer,
            lambda case, data: services.session_record(
                case=case,
                by=request.user,
                held_at=data["held_at"],
                place=data["place"],
                place_detail=data.get("place_detail", ""),
                method=data["method"],
                content=data["content"],
                result=data["result"],
                mediators=data["mediators"],
                parties_present=data.get("parties_present", []),
            ),
            status.HTTP_201_CREATED,
        )

    @extend_schema(summary="调整风险等级", request=GradeSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def grade(self, request, pk=None, format=None):
        return self._step(
            request,
            GradeSerializer,
            lambda case, data: services.case_change_grade(
                case=case, by=request.user, grade=data["grade"], reason=data["reason"]
            ),
        )

    @extend_schema(
        summary="提请上报上一级", request=ReasonSerializer, responses={201: CaseDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None, format=None):
        return self._step(
            request,
            ReasonSerializer,
            lambda case, data: services.escalation_propose(
                case=case, by=request.user, reason=data["reason"]
            ),
            status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="接收或退回上报", request=DecisionSerializer, responses=CaseDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="escalation/decide")
    def decide_escalation(self, request, pk=None, format=None):
        return self._step(
            request,
            DecisionSerializer,
            lambda case, data: services.escalation_decide(
                case=case, by=request.user, accept=data["accept"], note=data.get("note", "")
            ),
        )

    @extend_schema(
        summary="记录调解协议", request=AgreementSerializer, responses={201: CaseDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def agreement(self, request, pk=None, format=None):
        return self._step(
            request,
            AgreementSerializer,
            lambda case, data: services.agreement_record(case=case, by=request.user, data=data),
            status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="更新协议签署、司法确认和履行情况",
        request=AgreementUpdateSerializer,
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="agreement/update")
    def agreement_update(self, request, pk=None, format=None):
        return self._step(
            request,
            AgreementUpdateSerializer,
            lambda case, data: services.agreement_update(case=case, by=request.user, data=data),
        )

    @extend_schema(
        summary="记录回访", request=FollowUpSerializer, responses={201: CaseDetailSerializer}
    )
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, pk=None, format=None):
        return self._step(
            request,
            FollowUpSerializer,
            lambda case, data: services.follow_up_record(case=case, by=request.user, data=data),
            status.HTTP_201_CREATED,
        )

    @extend_schema(summary="调解不成", request=FailSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None, format=None):
        return self._step(
            request,
            FailSerializer,
            lambda case, data: services.case_fail(
                case=case,
                by=request.user,
                failure_reason=data["failure_reason"],
                routes_explained=data["routes_explained"],
                note=data.get("note", ""),
            ),
        )

    @extend_schema(summary="销号", request=NoteSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):
        return self._step(
            request,
            NoteSerializer,
            lambda case, data: services.case_close(
                case=case, by=request.user, note=data.get("note", "")
            ),
        )

    @extend_schema(summary="作废(不删除)", request=ReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None, format=None):
        return self._step(
            request,
            ReasonSerializer,
            lambda case, data: services.case_void(
                case=case, by=request.user, reason=data["reason"]
            ),
        )
