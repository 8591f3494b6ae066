"""The party's agents in the back office (issue 14): listed with their power of
attorney, added through the same service as the portal page and the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Party, PartyAgent
from tests.admin.conftest import admin_url, post_data_from
from tests.factories import register_case

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"


def test_an_agent_added_in_the_party_admin_needs_the_power_of_attorney_and_is_kept(client, world):
    party = register_case(world.secretary_a).parties.first()
    client.force_login(world.clerk_a)
    page = client.get(admin_url(Party, "change", party.pk))
    assert page.status_code == 200
    data = post_data_from(page)
    add_prefix = [k for k in data if k.endswith("-TOTAL_FORMS") and "agent" in k][-1]
    prefix = add_prefix.removesuffix("-TOTAL_FORMS")
    data.update(
        {
            add_prefix: "1",
            f"{prefix}-0-name": "王小山",
            f"{prefix}-0-kind": "relative",
            f"{prefix}-0-relation": "父子",
        }
    )

    refused = client.post(admin_url(Party, "change", party.pk), data)
    assert refused.status_code == 200
    assert "请上传当事人签名的授权委托书。" in refused.content.decode()
    assert not PartyAgent.objects.exists()

    data[f"{prefix}-0-power_of_attorney_file"] = SimpleUploadedFile("委托书.pdf", PDF_BYTES)
    saved = client.post(admin_url(Party, "change", party.pk), data)
    assert saved.status_code == 302
    agent = PartyAgent.objects.get()
    assert (agent.party, agent.name) == (party, "王小山")
    listed = client.get(admin_url(Party, "change", party.pk)).content.decode()
    assert "委托书.pdf" in listed
