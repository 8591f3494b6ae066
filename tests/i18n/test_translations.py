"""The English catalogue: complete, compiled, and actually used at run time.

The msgids are Chinese (the portal is Chinese-first); ``locale/en`` carries the
English. After ``makemessages`` adds strings, these tests fail until every new
entry is translated and ``compilemessages`` has rebuilt the committed .mo.
"""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases.models import Status
from cases.policy import Action
from reports.columns import HEADERS

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


# ---------------------------------------------------------------------------
# A tiny .po reader: enough for what makemessages writes.
# ---------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"django.po:{self.line} {self.msgid[:40]!r}"


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None  # (keyword, plural index) being continued

    def start(lineno: int) -> Entry:
        new = Entry(line=lineno)
        entries.append(new)
        return new

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank, or an obsolete entry
            if not line:
                entry, target = None, None
            continue
        if line.startswith("#,"):
            entry = entry or start(lineno)
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            keyword, index, value = match.group(1), int(match.group(2) or 0), match.group(3)
            if keyword in ("msgctxt", "msgid") and (entry is None or entry.msgstr):
                entry = start(lineno)
            target = (keyword, index)
        elif line.startswith('"') and target is not None:
            keyword, index = target
            value = line
        else:
            raise AssertionError(f"django.po:{lineno}: cannot parse {raw!r}")
        text = _unquote(value)
        if keyword == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        elif keyword == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            setattr(entry, keyword, (getattr(entry, keyword) or "") + text)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    entries = parse_po(PO_PATH)
    assert entries and entries[0].msgid == "", "the .po file should start with its header"
    return entries


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return po_entries[1:]


# ---------------------------------------------------------------------------
# The .po file
# ---------------------------------------------------------------------------


def test_po_parser_reads_every_entry(messages):
    assert len(messages) == PO_PATH.read_text(encoding="utf-8").count("\nmsgid ") - 1
    assert len(messages) > 300


def test_po_header_is_english_with_two_plural_forms(po_entries):
    header = po_entries[0]
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    untranslated = [
        e.label
        for e in messages
        if not e.msgstr
        or any(not text for text in e.msgstr.values())
        or (e.msgid_plural is not None and sorted(e.msgstr) != [0, 1])
    ]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_translations_are_english_not_chinese(messages):
    # Kept on purpose: what users type or read in the files themselves, which stay Chinese
    # in every language — the area importer's and the ledger's column and sheet names, the
    # grade values and a date the ledger import accepts, and an example case title.
    allowed = {"编码", "名称", "层级", "上级编码", *HEADERS}
    allowed |= {"台账", "统计", "回访", "区域代码", "填写说明"}
    allowed |= {"蓝色(一般)", "黄色(较大)", "红色(重大)", "蓝", "黄", "红"}
    allowed |= {"2026年10月5日", "张某与李某宅基地纠纷"}
    # The party spreadsheet's column headers and its yes value are Chinese in every language.
    allowed |= {"姓名/名称", "身份证号码", "手机号码", "代表人", "身份", "是"}
    allowed = sorted(allowed, key=len, reverse=True)  # longest first, so the regex eats whole names
    leftovers = [
        e.label
        for e in messages
        for text in e.msgstr.values()
        if CJK.search(re.sub("|".join(map(re.escape, allowed)), "", text))
    ]
    assert not leftovers, f"Chinese left in msgstr: {leftovers}"


def test_placeholders_are_kept(messages):
    wrong = []
    for e in messages:
        expected = sorted(PLACEHOLDER.findall(e.msgid))
        for index, text in e.msgstr.items():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{e.label} msgstr[{index}]")
    assert not wrong, f"placeholders differ from the msgid: {wrong}"


# ---------------------------------------------------------------------------
# The committed .mo matches the .po (mtimes mean nothing after a git checkout)
# ---------------------------------------------------------------------------


def test_compiled_mo_matches_the_po(messages):
    with MO_PATH.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.info().get("language") == "en"
    stale = []
    for e in messages:
        if e.msgid_plural is None:
            if e.msgctxt is None:
                got = catalogue.gettext(e.msgid)
            else:
                got = catalogue.pgettext(e.msgctxt, e.msgid)
            if got != e.msgstr[0]:
                stale.append(e.label)
        else:
            for n, index in ((1, 0), (2, 1)):
                if e.msgctxt is None:
                    got = catalogue.ngettext(e.msgid, e.msgid_plural, n)
                else:
                    got = catalogue.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                if got != e.msgstr[index]:
                    stale.append(f"{e.label} msgstr[{index}]")
    assert not stale, (
        f"django.mo is out of date; run `python manage.py compilemessages --ignore=.venv`: {stale}"
    )


# ---------------------------------------------------------------------------
# Django uses the catalogue
# ---------------------------------------------------------------------------


def test_key_labels_in_english():
    with translation.override("en"):
        assert str(Action.CLOSE.label) == "Close"
        assert str(Status.REGISTERED.label) == "Registered"
        assert str(Status.CLOSED.label) == "Closed"
        assert str(Status.NOT_ACCEPTED.label) == "Not accepted"
        labels = [str(label) for label in Status.labels]
    assert not [label for label in labels if CJK.search(label)], labels


def test_key_labels_in_chinese():
    with translation.override("zh-hans"):
        assert str(Action.CLOSE.label) == "销号"
        assert str(Status.REGISTERED.label) == "已登记"
        assert str(Status.CLOSED.label) == "已销号"
        assert all(CJK.search(str(label)) for label in Status.labels)


def test_plural_forms_in_english():
    msgid = "共 %(counter)s 件"
    with translation.override("en"):
        one = translation.ngettext(msgid, msgid, 1) % {"counter": 1}
        three = translation.ngettext(msgid, msgid, 3) % {"counter": 3}
    assert (one, three) == ("1 case in total", "3 cases in total")


@pytest.mark.django_db
def test_language_switch_shows_the_login_page_in_english(client):
    login = reverse("login")
    page = client.get(login)
    assert '<html lang="zh-hans"' in page.content.decode()
    assert "登录" in page.content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = client.get(login)
    html = page.content.decode()
    assert '<html lang="en"' in html
    assert "Sign in" in html
    assert "登录" not in html
