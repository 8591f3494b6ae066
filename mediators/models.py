from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_mobile


class OrganisationKind(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", _("村(居)人民调解委员会")
    TOWN_COMMITTEE = "town_committee", _("乡镇(街道)人民调解委员会")
    INDUSTRY_COMMITTEE = "industry_committee", _("行业性专业性人民调解委员会")
    STUDIO = "studio", _("个人调解工作室")
    EXPERT_POOL = "expert_pool", _("专家库")
    DISTRICT_CENTRE = "district_centre", _("县级矛盾纠纷多元化解服务中心")
    PROFESSIONAL_TEAM = "professional_team", _("专业调处团队(派出所/司法所/人民法庭)")


class Organisation(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=32, choices=OrganisationKind.choices)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    # Industry committees specialise in a field (traffic, medical, labour ...).
    specialities = models.ManyToManyField(
        "cases.DisputeType", verbose_name=_("擅长纠纷类型"), blank=True, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # The committee's word in its document numbers: 〔2026〕枫源调字第15号.
    document_code = models.CharField(
        _("文书字号简称"),
        max_length=16,
        blank=True,
        help_text=_("如“枫源”,文书编号即为〔2026〕枫源调字第1号;留空则取名称中的地名。"),
    )

    class Meta:
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"], name="organisation_unique_name_in_area"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class Background(models.TextChoices):
    RETIRED_CADRE = "retired_cadre", _("老干部")
    RETIRED_TEACHER = "retired_teacher", _("老教师")
    RETIRED_POLICE = "retired_police", _("老政法干警")
    VETERAN_PARTY_MEMBER = "veteran_party_member", _("老党员")
    RETIRED_MODEL_WORKER = "retired_model_worker", _("老模范")
    LOCAL_WORTHY = "local_worthy", _("新乡贤")
    LAWYER = "lawyer", _("律师/法律顾问")
    POLICE_OFFICER = "police_officer", _("民警")
    GRID_MEMBER = "grid_member", _("网格员")
    VILLAGE_CADRE = "village_cadre", _("村干部")
    COUNSELLOR = "counsellor", _("心理咨询师")
    VOLUNTEER = "volunteer", _("志愿者")


class MediatorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Mediator(models.Model):
    """A people's mediator (人民调解员), DOMAIN §3."""

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    mobile = models.CharField(_("手机号码"), max_length=20, validators=[validate_mobile])
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="mediators",
        help_text=_("调解员登记所在的区域,决定谁能看到和指派他。"),
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("所属调解组织"), related_name="mediators", blank=True
    )
    employment = models.CharField(
        _("专兼职"), max_length=16, choices=Employment.choices, default=Employment.PART_TIME
    )
    backgrounds = models.JSONField(
        _("身份背景"), default=list, blank=True, help_text=_("如五老、新乡贤、法律顾问等,可多选。")
    )
    specialities = models.ManyToManyField(
        "cases.DisputeType", verbose_name=_("擅长纠纷类型"), blank=True, related_name="+"
    )
    areas_served = models.ManyToManyField(
        "grids.Area", verbose_name=_("服务区域"), blank=True, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediator_profile",
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    objects = MediatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def background_labels(self) -> list[str]:
        labels = dict(Background.choices)
        return [str(labels.get(code, code)) for code in self.backgrounds]
