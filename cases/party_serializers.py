"""What the cases API reads and writes of the people in a case: parties, their agents
(委托代理人), a spreadsheet of parties, and the earlier disputes of the same people.
Like ``cases.serializers``, they only read and shape input; the writes are the
services' (``cases.services.parties``)."""

from rest_framework import serializers

from cases import services
from cases.models import EthnicGroup, Party, PartyAgent, PartyGender


class PartyAgentReadSerializer(serializers.ModelSerializer):
    id_number_masked = serializers.CharField(source="masked_id_number", read_only=True)
    mobile_masked = serializers.CharField(source="masked_mobile", read_only=True)

    class Meta:
        model = PartyAgent
        fields = [
            "id",
            "party",
            "name",
            "kind",
            "relation",
            "id_number_masked",
            "mobile_masked",
            "power_of_attorney",
            "created_at",
        ]
        read_only_fields = fields


class PartyAgentWriteSerializer(serializers.ModelSerializer):
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    power_of_attorney = serializers.FileField(
        help_text="当事人签名的授权委托书扫描件(PDF、JPG 或 PNG)"
    )

    class Meta:
        model = PartyAgent
        fields = ["party", *services.AGENT_FIELDS, "power_of_attorney"]
        # The model's checks are the service's (one place for the page and the API).
        extra_kwargs = {"id_number": {"validators": []}, "mobile": {"validators": []}}

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            # Only a party of this case: another case's party is "not found".
            self.fields["party"].queryset = case.parties.all()


class PartiesImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Excel(.xlsx)或 CSV,每行一名当事人")


class PartyReadSerializer(serializers.ModelSerializer):
    # Lists and the API show personal numbers masked (DOMAIN §6); the full value is
    # revealed, and logged, only on the case page to roles that need it.
    id_number_masked = serializers.CharField(source="masked_id_number", read_only=True)
    mobile_masked = serializers.CharField(source="masked_mobile", read_only=True)
    # Declared: a read-only field built from the model loses allow_blank, and the schema
    # would then leave out the "" of a party whose gender is not known.
    gender = serializers.ChoiceField(choices=PartyGender.choices, allow_blank=True, read_only=True)
    ethnicity = serializers.ChoiceField(
        choices=EthnicGroup.choices, allow_blank=True, read_only=True
    )
    age = serializers.SerializerMethodField()
    agents = PartyAgentReadSerializer(many=True, read_only=True)

    class Meta:
        model = Party
        fields = [
            "id",
            "role",
            "name",
            "gender",
            "kind",
            "is_representative",
            "id_number_masked",
            "ethnicity",
            "birth_date",
            "age",
            "mobile_masked",
            "address",
            "occupation",
            "employer",
            "relation_to_other_party",
            "credit_code",
            "legal_representative",
            *Party.VULNERABILITY_FLAGS,
            "refused_mediation",
            "agents",
        ]
        read_only_fields = fields

    def get_age(self, party) -> int | None:
        return party.age


class PartyWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = list(services.PARTY_FIELDS)


class RepeatCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class RepeatPartySerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="当事人在登记列表中的序号(从0起)")
    name = serializers.CharField()
    cases = RepeatCaseSerializer(many=True)


class RepeatDisputesSerializer(serializers.Serializer):
    """``cases.people.Repeats.as_data``: only cases the caller may see."""

    months = serializers.IntegerField()
    parties = RepeatPartySerializer(many=True)
    same_pair = RepeatCaseSerializer(many=True, help_text="申请人与被申请人此前同在的案件")
