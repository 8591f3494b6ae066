"""The navigation offers a reports page (统计, 报表, 月例会) to exactly the users it
opens for: both ask ``reports.policy``."""

from tests.factories import UserFactory

PAGES = {"统计": "/reports/dashboard/", "报表": "/reports/", "月例会": "/reports/reviews/"}


def test_the_navigation_links_a_reports_page_exactly_for_those_it_opens_for(client, world):
    clerk_without_area = UserFactory(username="clerk_nowhere", role="clerk", area=None)
    for user in (
        world.secretary_a,
        world.clerk_a,
        world.supervisor_a,
        world.supervisor_district,
        world.grid_member_a,
        world.mediator_user_a,
        clerk_without_area,
    ):
        client.force_login(user)
        nav = client.get("/cases/").content.decode()
        linked = {name for name, path in PAGES.items() if f'href="{path}"' in nav}
        opens = {name for name, path in PAGES.items() if client.get(path).status_code == 200}
        assert linked == opens, user.username
    # The roles that report figures see all three; those who keep to their cases, none.
    client.force_login(world.secretary_a)
    assert all(
        f'href="{path}"' in client.get("/cases/").content.decode() for path in PAGES.values()
    )
    client.force_login(world.grid_member_a)
    assert not any(
        f'href="{path}"' in client.get("/cases/").content.decode() for path in PAGES.values()
    )
