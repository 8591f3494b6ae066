"""HTML to PDF, with a Chinese font embedded.

WeasyPrint (pure Python over Pango) lays out HTML and CSS, paged media included, with
no browser; it is imported only when a PDF is asked for, so a host without Pango still
starts and answers a clear message instead. The font is given to it by file through
``@font-face``, so the PDF embeds exactly that font rather than whatever the host's
fontconfig would substitute."""

import functools
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

# The families looked for, in order, when no font file is configured: Debian's
# fonts-wqy-microhei (what .ci/run installs) and fonts-noto-cjk.
FONT_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC")
STYLESHEET = "css/documents.css"


class RendererMissing(Exception):
    """The PDF renderer or its font is not installed on this host."""


@functools.cache
def document_font() -> tuple[str, Path]:
    """The family name and file of the font the documents are set in.

    ``FENGQIAO_DOCUMENT_FONT`` (a file) wins, named ``FENGQIAO_DOCUMENT_FONT_FAMILY``;
    otherwise fontconfig is asked for each of ``FONT_FAMILIES`` by exact family."""
    configured = getattr(settings, "FENGQIAO_DOCUMENT_FONT", "")
    if configured:
        path = Path(configured)
        if not path.is_file():
            # Told to the user as the missing renderer; the log names the setting.
            raise RendererMissing(f"FENGQIAO_DOCUMENT_FONT: no such file {configured}")
        family = getattr(settings, "FENGQIAO_DOCUMENT_FONT_FAMILY", "") or path.stem
        return family, path
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise RendererMissing("fc-list")
    for family in FONT_FAMILIES:
        # fc-list answers only fonts of that family (fc-match would substitute one).
        found = subprocess.run(  # noqa: S603 (a fixed program, no shell)
            [fc_list, f":family={family}", "file"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.split("\n")
        files = sorted(line.rstrip(": ").strip() for line in found if line.strip())
        if files:
            return family, Path(files[0])
    raise RendererMissing("font")


def font_face_css() -> str:
    family, path = document_font()
    return (
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); }}\n'
        f'html {{ font-family: "{family}"; }}\n'
    )


def html_to_pdf(html: str) -> bytes:
    """The PDF of a document's HTML (A4 and margins come from the stylesheet's @page)."""
    try:
        from weasyprint import CSS, HTML  # needs Pango: only when printing
    except (ImportError, OSError) as error:
        raise RendererMissing(str(error)) from error
    from weasyprint.urls import URLFetcher

    # Only our stylesheet and font, from this disk: a document never reaches out.
    local_only = URLFetcher(allowed_protocols={"file"})
    stylesheet = finders.find(STYLESHEET)
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=local_only).write_pdf(
        stylesheets=[
            CSS(filename=stylesheet, url_fetcher=local_only),
            CSS(string=font_face_css(), url_fetcher=local_only),
        ]
    )
