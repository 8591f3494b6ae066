"""HTML to PDF, with a Chinese font embedded.

WeasyPrint (pure Python over Pango) lays out HTML and CSS, paged media included, with
no browser; it is imported only when a PDF is asked for, so a host without Pango still
starts and answers a clear message instead. The font is given to it by file through
``@font-face``, so the PDF embeds exactly that font rather than whatever the host's
fontconfig would substitute."""

import atexit
import functools
import shutil
import subprocess
import threading
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


_per_thread = threading.local()
# Dropped before the interpreter tears its modules down, which WeasyPrint's font
# configuration would otherwise complain about on the way out of a command.
atexit.register(lambda: _per_thread.__dict__.clear())


def _local_only():
    """Only our stylesheet and font, from this disk: a document never reaches out."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"file"})


def _stylesheets():
    """The font configuration and the parsed stylesheets, made once per thread: a new
    FontConfiguration per print loads the font again and leaves Pango's caches growing
    (a dossier or a year's filing prints hundreds of pages), and is three times slower.
    Per thread because WeasyPrint's font configuration is not meant to be shared."""
    # Keyed by the font, so a changed font setting (or a font removed) is seen.
    font = document_font()
    cached = getattr(_per_thread, "stylesheets", None)
    if cached is None or cached[0] != font:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        local_only = _local_only()
        sheets = [
            CSS(filename=finders.find(STYLESHEET), font_config=font_config, url_fetcher=local_only),
            CSS(string=font_face_css(), font_config=font_config, url_fetcher=local_only),
        ]
        cached = _per_thread.stylesheets = (font, font_config, sheets)
    return cached[1], cached[2]


def html_to_pdf(html: str) -> bytes:
    """The PDF of a document's HTML (A4 and margins come from the stylesheet's @page)."""
    try:
        from weasyprint import HTML  # needs Pango: only when printing

        font_config, sheets = _stylesheets()
    except (ImportError, OSError) as error:
        raise RendererMissing(str(error)) from error
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_local_only()).write_pdf(
        stylesheets=sheets, font_config=font_config
    )
