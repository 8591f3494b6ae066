"""Reading the PDFs the documents tests get: pages, text, and the fonts they embed."""

import io

from pypdf import PdfReader

# A4 in PostScript points (210 x 297 mm).
A4 = (595.28, 841.89)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-"), pdf[:40]
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """The text of every page, with the layout's spaces and line breaks taken out so a
    phrase wrapped across lines is still found."""
    text = "".join(page.extract_text() for page in read(pdf).pages)
    return "".join(text.split())


def page_sizes(pdf: bytes) -> set[tuple[float, float]]:
    return {
        (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))
        for page in read(pdf).pages
    }


def embedded_fonts(pdf: bytes) -> dict[str, set[str]]:
    """Each font the pages use, by its base name, with the font file streams embedded
    for it (FontFile, FontFile2, FontFile3); an empty set is a font left to the reader."""
    found: dict[str, set[str]] = {}
    for page in read(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for descendant in descendants:
                descriptor = descendant.get("/FontDescriptor")
                files = set()
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    files = {key for key in descriptor if key.startswith("/FontFile")}
                found.setdefault(str(descendant["/BaseFont"]), set()).update(files)
    return found
