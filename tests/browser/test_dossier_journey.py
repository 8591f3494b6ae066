"""A clerk downloads a closed case's dossier (一案一卷) from the case page in a real
browser, and the file is opened: the cover, the contents and the case's documents."""

from pypdf import PdfReader

from tests.browser.helpers import LIVE_DB, OUTPUT, expect, log_in, with_password
from tests.cases.dossier_helpers import closed_case

pytestmark = LIVE_DB


def test_a_clerk_downloads_the_dossier_of_a_closed_case_and_opens_it(
    world, new_page, settings, tmp_path
):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    case = closed_case(world, sessions=1, files=False)
    with_password(world.clerk_a)
    page = new_page()
    log_in(page, "clerk_a")

    page.goto(f"/cases/{case.pk}/")
    panel = page.locator(".case-dossier")
    expect(panel).to_contain_text("必备文书齐全")
    # Laying out a dossier takes seconds, more on a busy CI machine.
    page.set_default_timeout(120_000)
    with page.expect_download() as download_info:
        panel.get_by_role("link", name="下载卷宗PDF").click()
    download = download_info.value

    assert download.suggested_filename == f"{case.number}-dossier.pdf"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    saved = OUTPUT / download.suggested_filename
    download.save_as(saved)
    reader = PdfReader(saved)
    text = "".join("".join(p.extract_text() for p in reader.pages).split())
    assert "人民调解卷宗" in text and "卷内目录" in text
    assert case.number in text
    assert "人民调解口头协议登记表" in text and "结案报告表" in text
    assert [item.title for item in reader.outline][:2] == ["卷宗封面", "卷内目录"]
