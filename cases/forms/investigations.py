"""The investigation form (人民调解调查记录) on the case page."""

from django import forms
from django.utils import timezone

from cases import services
from cases.forms.registration import DATETIME_INPUT
from cases.models import Case, Investigation
from common.forms import PlainFormMixin, offer_choices
from mediators.models import Mediator


class InvestigationForm(PlainFormMixin, forms.ModelForm):
    """Offers the case's mediators as investigators; that someone investigated, and who
    may, is the service's rule, refused in its words whatever is posted."""

    class Meta:
        model = Investigation
        fields = services.INVESTIGATION_FIELDS
        widgets = {
            "held_at": DATETIME_INPUT,
            "investigators": forms.CheckboxSelectMultiple,
            "content": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        offer_choices(
            self.fields["investigators"],
            offered=services.mediators_available_for(case),
            accepted=Mediator.objects.all(),
        )
        self.fields["investigators"].required = False
        self.fields["held_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        assigned = list(case.mediators.values_list("pk", flat=True))
        if assigned:
            self.fields["investigators"].initial = assigned
