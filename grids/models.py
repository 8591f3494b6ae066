from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("区县")
    TOWN = "town", _("乡镇(街道)")
    VILLAGE = "village", _("村(社区)")
    GRID = "grid", _("网格")
    MICROGRID = "microgrid", _("微网格")


# The order of the hierarchy; a child is always exactly one step below its parent,
# except that a micro-grid is optional and nothing hangs below it.
LEVEL_ORDER = [
    AreaLevel.DISTRICT,
    AreaLevel.TOWN,
    AreaLevel.VILLAGE,
    AreaLevel.GRID,
    AreaLevel.MICROGRID,
]
PARENT_LEVEL = {child: parent for parent, child in zip(LEVEL_ORDER, LEVEL_ORDER[1:], strict=False)}


class AreaQuerySet(models.QuerySet):
    def subtree(self, area: "Area") -> "AreaQuerySet":
        """The area itself and everything under it: one indexed prefix match."""
        return self.filter(path__startswith=area.path)


class Area(models.Model):
    """A node of the grid hierarchy district / town / village / grid / micro-grid.

    ``path`` is the materialised path of codes (``"/110105/110105001/"``), so
    "everything under this node" is a single ``LIKE 'prefix%'`` on an index.
    Codes are stable; names change.
    """

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), editable=False, default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the database collation; other databases ignore opclasses.
            models.Index(
                fields=["path"], name="area_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "code"], name="area_level_code_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path_codes(self) -> list[str]:
        return [code for code in self.path.split("/") if code]

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)

    def ancestors(self) -> "AreaQuerySet":
        """This area and every area above it, from the top down."""
        return Area.objects.filter(code__in=self.path_codes).order_by("depth")

    def full_name(self) -> str:
        return " / ".join(a.name for a in self.ancestors())
