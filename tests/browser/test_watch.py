"""The watch every journey relies on: a JavaScript error or a Content-Security-Policy
violation in the browser is caught, so a page that breaks under the policy fails CI."""

from tests.browser.helpers import LIVE_DB

pytestmark = LIVE_DB

STRICT_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'"


def serve(page, path: str, body: str, headers: dict | None = None) -> None:
    page.route(
        f"**{path}",
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=body, headers=headers
        ),
    )


def test_a_blocked_inline_script_and_style_are_reported_as_csp_violations(
    new_page, browser_problems
):
    page = new_page()
    serve(
        page,
        "/probe/csp/",
        '<p style="color:red">探针</p><script>document.title = "ran";</script>',
        headers={"Content-Security-Policy": STRICT_POLICY},
    )

    page.goto("/probe/csp/")
    page.wait_for_timeout(200)

    assert page.title() != "ran"
    violations = [e for e in browser_problems.entries if e.startswith("CSP violation")]
    assert any("script-src" in v for v in violations), browser_problems.entries
    assert any("style-src" in v for v in violations), browser_problems.entries
    assert browser_problems.unexpected()
    browser_problems.allow(".")  # provoked on purpose: the test passes by catching them


def test_an_uncaught_javascript_error_is_reported(new_page, browser_problems):
    page = new_page()
    serve(page, "/probe/error/", '<script>throw new Error("坏了");</script>')

    page.goto("/probe/error/")
    page.wait_for_timeout(200)

    assert any("JS error" in e and "坏了" in e for e in browser_problems.entries)
    browser_problems.allow(".")
