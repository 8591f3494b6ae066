"""The figures and their definitions: what each one counts, how it is labelled and
which ledger filter lists the cases behind it."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.outcomes import ACCEPTED, CONCLUDED, OUTCOME_Q, Outcome
from cases.rollup import COUNTERS, TALLY_FLAGS


@dataclass(frozen=True)
class FigureSpec:
    key: str
    section: object
    label: object
    kind: str  # "count", "percent" or "money"
    definition: object
    # count: the raw count it shows; percent: (numerator, denominator) raw counts
    counts: tuple[str, ...]
    # The ledger filter listing the cases behind the figure (beyond area and period).
    ledger: dict = field(default_factory=dict)


S_OUTCOMES = _("受理与结果")
S_RATES = _("化解率")
S_OVERDUE = _("超期")
S_FOLLOW_UPS = _("回访")
S_EFFECT = _("成效")

FIGURE_SPECS: list[FigureSpec] = [
    FigureSpec(
        "received",
        S_OUTCOMES,
        _("登记"),
        "count",
        _("统计期内登记的案件数(未作废),即同期台账的行数。"),
        ("received",),
    ),
    FigureSpec(
        "accepted",
        S_OUTCOMES,
        _("受理"),
        "count",
        _(
            "已受理的案件:正在调解、调解成功、转速裁解决、其他方式化解、调解不成,"
            "以及受理后撤回的案件;"
            "不含待受理、不予受理和受理前撤回的案件。"
        ),
        ("accepted",),
        {"outcome": ACCEPTED},
    ),
    FigureSpec(
        "successful",
        S_OUTCOMES,
        _("调解成功"),
        "count",
        _("达成调解协议的案件(调解成功待回访,或协议达成后销号)。"),
        ("successful",),
        {"outcome": Outcome.SUCCESSFUL},
    ),
    FigureSpec(
        "fast_tracked",
        S_OUTCOMES,
        _("转速裁解决"),
        "count",
        _("调解未达成协议、转法院速裁团队解决的案件;不计入调解成功,也不计入调解不成。"),
        ("fast_tracked",),
        {"outcome": Outcome.FAST_TRACKED},
    ),
    FigureSpec(
        "resolved_otherwise",
        S_OUTCOMES,
        _("其他方式化解"),
        "count",
        _(
            "未经调解协议、以行政处理、救助帮扶、引导诉讼、仲裁等方式化解的案件;"
            "不计入调解成功,也不计入调解不成。"
        ),
        ("resolved_otherwise",),
        {"outcome": Outcome.RESOLVED_OTHERWISE},
    ),
    FigureSpec(
        "failed",
        S_OUTCOMES,
        _("调解不成"),
        "count",
        _("调解终结而未达成协议的案件(含当事人拒绝调解),不含转速裁解决和其他方式化解的案件。"),
        ("failed",),
        {"outcome": Outcome.FAILED},
    ),
    FigureSpec(
        "in_progress",
        S_OUTCOMES,
        _("正在调解"),
        "count",
        _("已受理、尚未有结果的案件(已受理或调解中)。"),
        ("in_progress",),
        {"outcome": Outcome.IN_PROGRESS},
    ),
    FigureSpec(
        "awaiting",
        S_OUTCOMES,
        _("待受理"),
        "count",
        _("已登记、尚未受理的案件。"),
        ("awaiting",),
        {"outcome": Outcome.AWAITING_ACCEPTANCE},
    ),
    FigureSpec(
        "not_accepted",
        S_OUTCOMES,
        _("不予受理"),
        "count",
        _("经审查不予受理的案件。"),
        ("not_accepted",),
        {"outcome": Outcome.NOT_ACCEPTED},
    ),
    FigureSpec(
        "withdrawn",
        S_OUTCOMES,
        _("撤回"),
        "count",
        _("当事人撤回的案件(受理前后均计)。"),
        ("withdrawn",),
        {"outcome": Outcome.WITHDRAWN},
    ),
    FigureSpec(
        "concluded",
        S_OUTCOMES,
        _("已办结"),
        "count",
        _("已受理且已有结果的案件:调解成功、转速裁解决、其他方式化解与调解不成之和。"),
        ("concluded",),
        {"outcome": CONCLUDED},
    ),
    FigureSpec(
        "success_rate",
        S_RATES,
        _("调解成功率"),
        "percent",
        _("调解成功 ÷ 受理。"),
        ("successful", "accepted"),
        {"outcome": Outcome.SUCCESSFUL},
    ),
    FigureSpec(
        "success_rate_concluded",
        S_RATES,
        _("调解成功率(按办结计)"),
        "percent",
        _("调解成功 ÷ 已办结(调解成功、转速裁解决、其他方式化解、调解不成之和)。"),
        ("successful", "concluded"),
        {"outcome": Outcome.SUCCESSFUL},
    ),
    FigureSpec(
        "first_time_rate",
        S_RATES,
        _("初次化解率"),
        "percent",
        _(
            "初次化解 ÷ 已办结。初次化解:调解成功,且没有一次调解记录为“未达成一致”、"
            "未经逐级上报、未因纠纷再次激化而重新调解。"
        ),
        ("first_time", "concluded"),
        {"resolution": "first_time"},
    ),
    FigureSpec(
        "on_the_spot_rate",
        S_RATES,
        _("就地化解率"),
        "percent",
        _(
            "就地化解 ÷ 已办结。就地化解:调解成功,未经逐级上报被上级接收,"
            "且全部调解均在最终化解的层级进行。"
        ),
        ("on_the_spot", "concluded"),
        {"resolution": "on_the_spot"},
    ),
    FigureSpec(
        "overdue",
        S_OVERDUE,
        _("超期未化解"),
        "count",
        _(
            "目前仍待受理或正在调解、化解期限已过的案件;期限按统计期末日"
            "(统计期尚未结束的,按今天)判断。"
        ),
        ("overdue",),
    ),
    FigureSpec(
        "follow_ups_due",
        S_FOLLOW_UPS,
        _("应回访"),
        "count",
        _("本区域未作废案件中,应回访时间在统计期内、未取消的回访次数(不限登记日期)。"),
        ("follow_ups_due",),
    ),
    FigureSpec(
        "follow_ups_done",
        S_FOLLOW_UPS,
        _("已回访"),
        "count",
        _("上述应回访中已完成的次数。"),
        ("follow_ups_done",),
    ),
    FigureSpec(
        "follow_up_rate",
        S_FOLLOW_UPS,
        _("回访完成率"),
        "percent",
        _("已回访 ÷ 应回访。"),
        ("follow_ups_done", "follow_ups_due"),
    ),
    FigureSpec(
        "follow_up_on_time_rate",
        S_FOLLOW_UPS,
        _("按时回访率"),
        "percent",
        _("在应回访时间之前(含)完成的回访 ÷ 应回访。"),
        ("follow_ups_on_time", "follow_ups_due"),
    ),
    FigureSpec(
        "follow_ups_answered",
        S_FOLLOW_UPS,
        _("回访满意度评价"),
        "count",
        _("回访时间在统计期内、记录了满意度的回访次数。"),
        ("answered",),
    ),
    FigureSpec(
        "satisfaction_rate",
        S_FOLLOW_UPS,
        _("满意率"),
        "percent",
        _("(满意 + 基本满意)÷ 记录了满意度的回访,回访时间在统计期内。"),
        ("satisfied", "answered"),
    ),
    FigureSpec(
        "agreement_amount",
        S_EFFECT,
        _("协议涉及金额(元)"),
        "money",
        _("统计对象中现行(未因重新调解而失效)调解协议所载金额之和。"),
        ("agreement_amount",),
        {"with_amount": "true"},
    ),
    FigureSpec(
        "crimes_prevented",
        S_EFFECT,
        _("防止民转刑"),
        "count",
        _("调解成功且登记时标注有民转刑风险的案件。"),
        ("crimes_prevented",),
        {"outcome": Outcome.SUCCESSFUL, "violence_risk": "true"},
    ),
    FigureSpec(
        "group_settled",
        S_EFFECT,
        _("化解群体性纠纷"),
        "count",
        _("调解成功的群体性纠纷。"),
        ("group_settled",),
        {"outcome": Outcome.SUCCESSFUL, "is_group": "true"},
    ),
    FigureSpec(
        "petition_settled",
        S_EFFECT,
        _("化解信访风险纠纷"),
        "count",
        _("调解成功且标注有信访风险的案件。"),
        ("petition_settled",),
        {"outcome": Outcome.SUCCESSFUL, "petition_risk": "true"},
    ),
]
SPECS = {spec.key: spec for spec in FIGURE_SPECS}

# The figures on the dashboard's cards, with their month-on-month and year-on-year change.
HEADLINE_KEYS = (
    "accepted",
    "successful",
    "success_rate",
    "fast_tracked",
    "resolved_otherwise",
    "in_progress",
    "overdue",
    "first_time_rate",
    "on_the_spot_rate",
    "follow_up_rate",
    "satisfaction_rate",
    "agreement_amount",
    "crimes_prevented",
)

# The case counts of one period: every case received, each outcome, and each flag of the
# rollup's tallies. The rollup has a counter of each (``cases.rollup.COUNTERS``);
# ``figures.raw_case_counts`` counts the same from the raw tables, to check it.
CASE_COUNTS: dict[str, Q] = {
    "received": Q(),
    **{str(outcome.value): OUTCOME_Q[outcome] for outcome in Outcome},
    **TALLY_FLAGS,
}
assert tuple(CASE_COUNTS) == COUNTERS
