"""The cases API (/api/v1/cases/...): viewsets only. The serializers (``cases.serializers``)
read and shape input; every write is the step the HTML pages take (``cases.steps``), so
whatever a form refuses the API refuses with the same message."""

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cases import people, selectors, services
from cases.filters import CaseFilter
from cases.models import (
    Agreement,
    AgreementSignature,
    CaseEvent,
    CaseSource,
    DisputeType,
    Escalation,
    FollowUp,
    GradeChange,
    Investigation,
    MediationSession,
    Party,
)
from cases.party_serializers import (
    PartiesImportSerializer,
    PartyAgentReadSerializer,
    PartyAgentWriteSerializer,
)
from cases.policy import Action
from cases.serializers import (
    IDEMPOTENCY_KEY,
    AcceptSerializer,
    AgreementSerializer,
    AgreementSignSerializer,
    AgreementUpdateSerializer,
    CaseCreatedSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    DecisionSerializer,
    FailSerializer,
    FollowUpSerializer,
    GradeSerializer,
    InvestigationSerializer,
    LookupSerializer,
    NoteSerializer,
    OnTheSpotSerializer,
    PetitionExtensionSerializer,
    ReasonSerializer,
    RefusalRequestSerializer,
    ResolveOtherwiseSerializer,
    SessionSerializer,
    SourceSerializer,
    TermExtensionSerializer,
    WaiveSerializer,
)
from cases.steps import step_perform
from common.api import ErrorSerializer, Unprocessable

# A party with its agents (委托代理人), in two queries whatever the number of parties.
_PARTIES = Party.objects.order_by("id").prefetch_related("agents")


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


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": IDEMPOTENCY_KEY.max_length},
    OpenApiParameter.HEADER,
    required=False,
    description="重试时带同一个键,只登记一次并返回第一次的结果。",
)


def _step_action(
    name: str,
    step: Action,
    serializer_class,
    summary: str,
    *,
    url_path: str | None = None,
    code: int = status.HTTP_200_OK,
):
    """``POST /cases/{id}/<url_path>/``: read the body with ``serializer_class``, take
    ``step`` and answer with the case as it then stands."""

    # ``format``: the router also routes ``…/accept.json``; without the argument such a
    # request crashed (500) instead of answering like the plain URL.
    def take_step(self, request, pk=None, format=None):
        case = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        step_perform(step, case=case, by=request.user, data=serializer.validated_data)
        return self._detail(case, code)

    # The router names the route and its URL after the function.
    take_step.__name__ = name
    responses = {code: CaseDetailSerializer} if code != status.HTTP_200_OK else CaseDetailSerializer
    return extend_schema(summary=summary, request=serializer_class, responses=responses)(
        action(detail=True, methods=["post"], url_path=url_path)(take_step)
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

    def _scoped(self):
        # The one scoping function: outside the caller's area is 404, as on the pages.
        return selectors.visible_cases(self.request.user).select_related(
            "area", "source", "dispute_type", "owner"
        )

    def filter_queryset(self, queryset):
        # Only the list is filtered. Its default hides voided cases, but a voided case is
        # kept (never deleted) and stays visible: its detail, and a step on it, find it
        # and answer like the page does instead of 404.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_queryset(self):
        if self.action == "list":
            return self._scoped().prefetch_related(Prefetch("parties", queryset=_PARTIES))
        return self._with_history(self._scoped())

    @staticmethod
    def _with_history(cases):
        """Everything the detail shows, in a fixed number of queries."""
        return cases.select_related("refusal__party", "refusal__recorded_by").prefetch_related(
            Prefetch("parties", queryset=_PARTIES),
            "mediators",
            Prefetch(
                "sessions",
                queryset=MediationSession.objects.prefetch_related("mediators", "parties_present"),
            ),
            Prefetch(
                "investigations",
                queryset=Investigation.objects.select_related("recorded_by").prefetch_related(
                    "investigators"
                ),
            ),
            Prefetch(
                "agreements",
                queryset=Agreement.objects.select_related("sealed_by").prefetch_related(
                    Prefetch(
                        "signatures", queryset=AgreementSignature.objects.select_related("party")
                    )
                ),
            ),
            Prefetch("grade_changes", queryset=GradeChange.objects.select_related("changed_by")),
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related("proposed_by", "decided_by"),
            ),
            Prefetch(
                "follow_ups", queryset=FollowUp.objects.select_related("done_by", "waived_by")
            ),
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
        fresh = self._with_history(self._scoped()).filter(pk=case.pk).first()
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
        responses={
            201: CaseCreatedSerializer,
            422: OpenApiResponse(
                ErrorSerializer, description="该 Idempotency-Key 已用于内容不同的请求"
            ),
        },
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
        try:
            registration = services.case_register_once(
                by=request.user,
                data=data,
                parties=parties,
                idempotency_key=key,
            )
        except services.IdempotencyKeyReused as exc:
            raise Unprocessable(exc.message, exc.code) from exc
        headers = {} if registration.created else {"Idempotent-Replayed": "true"}
        response = self._detail(registration.case, status.HTTP_201_CREATED, headers)
        # Never a refusal: the sender is told which earlier cases it may see concern the
        # same people, as the registration page shows before saving.
        case = registration.case
        response.data["repeat_disputes"] = people.repeat_disputes_for(
            case.parties.all(), user=request.user, area=case.area, exclude_case=case
        ).as_data()
        return response

    @extend_schema(
        summary="随手调:网格员当场调解成功的蓝色纠纷,一次登记、受理、记录调解和口头协议",
        request={"application/json": OnTheSpotSerializer},
        responses={201: CaseDetailSerializer},
    )
    @action(detail=False, methods=["post"], url_path="on-the-spot")
    def on_the_spot(self, request, format=None):
        serializer = OnTheSpotSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case = services.case_settle_on_spot(by=request.user, **serializer.service_kwargs())
        return self._detail(case, status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记委托代理人,附当事人签名的授权委托书",
        request={"multipart/form-data": PartyAgentWriteSerializer},
        responses={201: PartyAgentReadSerializer},
    )
    @action(detail=True, methods=["post"], url_path="agents")
    def agents(self, request, pk=None, format=None):
        case = self.get_object()
        serializer = PartyAgentWriteSerializer(data=request.data, case=case)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        agent = services.party_agent_add(
            by=request.user,
            party=data.pop("party"),
            power_of_attorney=data.pop("power_of_attorney"),
            data=data,
        )
        return Response(PartyAgentReadSerializer(agent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="从表格(xlsx/csv)添加当事人:逐行核对,有一行不对则全部不添加",
        request={"multipart/form-data": PartiesImportSerializer},
        responses={
            200: CaseDetailSerializer,
            422: OpenApiResponse(ErrorSerializer, description="文件中的问题,按行和列列出"),
        },
    )
    @action(detail=True, methods=["post"], url_path="parties/import")
    def parties_import(self, request, pk=None, format=None):
        case = self.get_object()
        serializer = PartiesImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.case_parties_import(
            by=request.user, case=case, content=serializer.validated_data["file"].read()
        )
        if not result.ok:
            errors = [
                {
                    # "file.<line>.<column>": where in the file, as the page lists it.
                    "field": ".".join(
                        str(part) for part in ("file", problem.line, problem.column) if part
                    ),
                    "code": "invalid",
                    "message": str(problem),
                }
                for problem in result.problems
            ]
            return Response({"errors": errors}, status=422)
        return self._detail(case)

    def update(self, request, *args, **kwargs):
        case = self.get_object()
        serializer = CaseUpdateSerializer(case, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.case_update(case=case, by=request.user, data=serializer.validated_data)
        return self._detail(case)

    # The workflow steps: one POST each, the same step the case page offers.
    accept = _step_action("accept", Action.ACCEPT, AcceptSerializer, "受理并指派")
    not_accept = _step_action(
        "not_accept", Action.NOT_ACCEPT, ReasonSerializer, "不予受理", url_path="not-accept"
    )
    withdraw = _step_action("withdraw", Action.WITHDRAW, ReasonSerializer, "撤回")
    sessions = _step_action(
        "sessions",
        Action.RECORD_SESSION,
        SessionSerializer,
        "记录调解",
        code=status.HTTP_201_CREATED,
    )
    investigations = _step_action(
        "investigations",
        Action.RECORD_INVESTIGATION,
        InvestigationSerializer,
        "记录调查(人民调解调查记录):调查时间、地点、被调查人、调查人和调查内容",
        code=status.HTTP_201_CREATED,
    )
    grade = _step_action("grade", Action.CHANGE_GRADE, GradeSerializer, "调整风险等级")
    escalate = _step_action(
        "escalate",
        Action.ESCALATE,
        ReasonSerializer,
        "提级调处",
        code=status.HTTP_201_CREATED,
    )
    decide_escalation = _step_action(
        "decide_escalation",
        Action.DECIDE_ESCALATION,
        DecisionSerializer,
        "接收或退回上报",
        url_path="escalation/decide",
    )
    agreement = _step_action(
        "agreement",
        Action.RECORD_AGREEMENT,
        AgreementSerializer,
        "记录调解协议",
        code=status.HTTP_201_CREATED,
    )
    agreement_sign = _step_action(
        "agreement_sign",
        Action.SIGN_AGREEMENT,
        AgreementSignSerializer,
        "记录协议签署:当事人签名(盖章、按指印)、调解员签名和调委会盖章",
        url_path="agreement/sign",
    )
    agreement_update = _step_action(
        "agreement_update",
        Action.RECORD_PERFORMANCE,
        AgreementUpdateSerializer,
        "更新协议的司法确认和履行情况",
        url_path="agreement/update",
    )
    follow_ups = _step_action(
        "follow_ups",
        Action.RECORD_FOLLOW_UP,
        FollowUpSerializer,
        "记录回访",
        url_path="follow-ups",
        code=status.HTTP_201_CREATED,
    )
    follow_up_waive = _step_action(
        "follow_up_waive",
        Action.WAIVE_FOLLOW_UP,
        WaiveSerializer,
        "免除一次尚未完成的回访(须写明理由)",
        url_path="follow-ups/waive",
    )
    fail = _step_action("fail", Action.FAIL, FailSerializer, "调解不成")
    resolve_otherwise = _step_action(
        "resolve_otherwise",
        Action.RESOLVE_OTHERWISE,
        ResolveOtherwiseSerializer,
        "以其他方式化解(行政处理、救助帮扶、引导诉讼、仲裁等)",
        url_path="resolve-otherwise",
    )
    refusal = _step_action(
        "refusal",
        Action.RECORD_REFUSAL,
        RefusalRequestSerializer,
        "登记当事人拒绝调解(人民调解法第十七条),案件按调解不成办结",
    )
    close = _step_action("close", Action.CLOSE, NoteSerializer, "销号")
    void = _step_action("void", Action.VOID, ReasonSerializer, "作废(不删除)")
    extend_term = _step_action(
        "extend_term",
        Action.EXTEND_TERM,
        TermExtensionSerializer,
        "延长调解期限(须双方当事人同意)",
        url_path="extend-term",
    )
    extend_petition = _step_action(
        "extend_petition",
        Action.EXTEND_PETITION,
        PetitionExtensionSerializer,
        "信访件延期办理(一次)",
        url_path="petition/extend",
    )
