"""The personal PDF edition of the handbook: a cover carrying the deputy-card details, then the handbook.

The body (contents, the four parts, the cited articles) is the same for everyone, so it is rendered once
and kept in the file storage under a digest of the handbook's content; covers are rendered many to one
WeasyPrint document and split into pages. Each personal PDF is its cover page followed by the body's
pages, joined by pypdf. A class of 346 costs one body, a few cover documents and 346 cheap joins.
"""

import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from lvzhi.core.documents import chinese_date

from . import laws
from .models import HandbookEntry, Part
from .services import DEFAULT_TITLE

BODY_TEMPLATE = "handbook/pdf_body.html"
COVER_TEMPLATE = "handbook/pdf_covers.html"
LAYOUT_VERSION = "5"  # bump when the body template changes, so cached bodies are rendered again
CACHE_DIR = "handbook/editions"
COVERS_PER_DOCUMENT = 60
PART_NUMERALS = "一二三四"


@dataclass(frozen=True)
class Recipient:
    """Whose edition: the person and the mandate whose card the cover shows (None: no deputy card)."""

    person: object
    mandate: object | None = None


def _as_recipient(item) -> Recipient:
    if isinstance(item, Recipient):
        return item
    person, mandate = item
    return Recipient(person, mandate)


def _html(html: str):
    from django.conf import settings
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR / "lvzhi"))


# ---------------------------------------------------------------------------------------------- the body


def _entries():
    return list(HandbookEntry.objects.filter(is_active=True).order_by("number")
                .only("number", "part", "question", "answer", "citations", "version"))


def body_digest(entries=None) -> str:
    entries = _entries() if entries is None else entries
    digest = hashlib.sha256(f"layout {LAYOUT_VERSION}\n".encode())
    for e in entries:
        digest.update(f"{e.number}|{e.version}|{e.part}|{e.question}|{e.answer}|{e.citations}\n".encode())
    return digest.hexdigest()[:24]


def body_context(entries) -> dict:
    parts = []
    cited: dict[tuple[str, int], dict] = {}
    for index, part in enumerate(Part):
        items = []
        for e in entries:
            if e.part != part:
                continue
            citations = laws.expand(e.citations)
            for c in citations:
                cited.setdefault((c["law"], c["article"]), c)
            items.append({"number": e.number, "question": e.question,
                          "paragraphs": [p.strip() for p in e.answer.splitlines() if p.strip()],
                          "citations": citations})
        if items:
            parts.append({"code": part.value, "label": part.label, "numeral": PART_NUMERALS[index],
                          "entries": items})
    law_order = {law: i for i, law in enumerate(laws.laws() or {})}
    appendix: list[dict] = []
    for (law, _article), c in sorted(cited.items(), key=lambda kv: (law_order.get(kv[0][0], 99), kv[0][1])):
        if not c["text"]:
            continue
        if not appendix or appendix[-1]["law"] != law:
            appendix.append({"law": law, "title": c["title"], "version": c["version"], "articles": []})
        appendix[-1]["articles"].append(c)
    return {"title": DEFAULT_TITLE, "parts": parts, "appendix": appendix, "count": len(entries),
            "printed": chinese_date(timezone.localdate())}


def render_body(entries=None) -> bytes:
    entries = _entries() if entries is None else entries
    return _html(render_to_string(BODY_TEMPLATE, body_context(entries))).write_pdf()


def edition_body_pdf(*, cache: bool = True) -> bytes:
    """The body for the handbook as it is now; rendered once per content and kept in the file storage."""
    entries = _entries()
    name = f"{CACHE_DIR}/body-{body_digest(entries)}.pdf"
    if cache and default_storage.exists(name):
        try:
            with default_storage.open(name, "rb") as handle:
                return handle.read()
        except FileNotFoundError:  # another process replaced the cache meanwhile
            pass
    content = render_body(entries)
    if cache:
        clear_body_cache()  # bodies of earlier texts are never read again
        default_storage.save(name, ContentFile(content))
    return content


def clear_body_cache() -> None:
    try:
        _, files = default_storage.listdir(CACHE_DIR)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{CACHE_DIR}/{name}")


# ---------------------------------------------------------------------------------------------- the covers


def congress_term_label(mandate) -> str:
    """清源县第十八届人民代表大会, 第十四届全国人民代表大会."""
    term = mandate.term
    name = term.congress.name
    marker = "人民代表大会"
    if marker not in name:
        return f"{name}{term.label}"
    head = name[: name.index(marker)]
    if head == "全国":
        return f"{term.label}{name}"
    return f"{head}{term.label}{name[len(head):]}"


def cover_card(recipient: Recipient) -> dict:
    person, mandate = recipient.person, recipient.mandate
    card = {"name": person.name, "gender": person.gender, "rows": []}
    if mandate is None:
        card["role"] = "履职学习用书"
        return card
    card["role"] = f"{congress_term_label(mandate)}代表"
    card["rows"].append(("代表层级", mandate.level_label))
    if mandate.delegation_id:
        card["rows"].append(("所在代表团", mandate.delegation.name))
    if mandate.district_id:
        card["rows"].append(("选区", mandate.district.name))
    card["rows"].append(("代表证号", mandate.deputy_number or "—"))
    return card


def render_covers(recipients: list[Recipient]) -> list[bytes]:
    """One PDF page per recipient, from as few WeasyPrint documents as the batch size allows."""
    from pypdf import PdfReader

    if not recipients:
        return []
    html = render_to_string(COVER_TEMPLATE, {"title": DEFAULT_TITLE, "cards": [cover_card(r) for r in recipients],
                                             "printed": chinese_date(timezone.localdate())})
    document = _html(html).render()
    if len(document.pages) != len(recipients):  # a cover that overflowed a page: render them one by one
        return [page for r in recipients for page in render_covers_single(r)]
    reader = PdfReader(io.BytesIO(document.write_pdf()))
    return [reader.pages[i] for i in range(len(recipients))]


def render_covers_single(recipient: Recipient) -> list:
    from pypdf import PdfReader

    html = render_to_string(COVER_TEMPLATE, {"title": DEFAULT_TITLE, "cards": [cover_card(recipient)],
                                             "printed": chinese_date(timezone.localdate())})
    reader = PdfReader(io.BytesIO(_html(html).write_pdf()))
    return [reader.pages[0]]


# ---------------------------------------------------------------------------------------------- joined


class _Assembler:
    """Joins a cover page and the body into one PDF by concatenating objects serialised once.

    pypdf holds the body and every cover in one document (a cover chunk's pages share their fonts); each
    object is serialised the first time it is needed and kept as bytes. A personal edition is then the
    body's objects, its own cover's objects, a page tree listing [cover, body pages…], a catalogue and a
    cross-reference table: bytes joined, not a document cloned and written again for every deputy.
    """

    def __init__(self, body: bytes):
        from pypdf import PdfReader, PdfWriter

        self.writer = PdfWriter()
        self.writer.append(PdfReader(io.BytesIO(body)))
        self.pages_id = self.writer._pages.idnum
        self.root_id = self.writer._root_object.indirect_reference.idnum
        self.info_id = self.writer._info.indirect_reference.idnum if self.writer._info is not None else None
        self.body_pages = [page.indirect_reference.idnum for page in self.writer.pages]
        skip = {self.pages_id, self.root_id, self.info_id}
        self.common: set[int] = set()
        self._reach(self.writer._root_object, self.common, skip)
        for idnum in self.body_pages:
            self._reach_id(idnum, self.common, skip)
        self.blobs: dict[int, bytes] = {}
        self.header = self.writer.pdf_header.encode() + b"\n%\xe2\xe3\xcf\xd3\n"

    def _reach_id(self, idnum: int, seen: set[int], skip: set) -> None:
        if idnum in seen or idnum in skip:
            return
        seen.add(idnum)
        self._reach(self.writer._objects[idnum - 1], seen, skip)

    def _reach(self, obj, seen: set[int], skip: set) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                if item.idnum not in seen and item.idnum not in skip:
                    seen.add(item.idnum)
                    stack.append(self.writer._objects[item.idnum - 1])
            elif isinstance(item, DictionaryObject):  # stream objects are dictionaries too
                stack.extend(value for key, value in item.items() if key != "/Parent")
            elif isinstance(item, ArrayObject):
                stack.extend(item)

    def add_cover(self, page) -> tuple[int, set[int]]:
        """Take in a cover page (from a cover document); returns its object number and its own objects."""
        self.writer.add_page(page)
        idnum = self.writer.pages[-1].indirect_reference.idnum
        own: set[int] = set()
        self._reach_id(idnum, own, self.common | {self.pages_id, self.root_id, self.info_id})
        return idnum, own

    def _blob(self, idnum: int) -> bytes:
        blob = self.blobs.get(idnum)
        if blob is None:
            out = io.BytesIO()
            out.write(f"{idnum} 0 obj\n".encode())
            self.writer._objects[idnum - 1].write_to_stream(out)
            out.write(b"\nendobj\n")
            blob = self.blobs[idnum] = out.getvalue()
        return blob

    def build(self, cover_id: int, own: set[int], title: str) -> bytes:
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            NumberObject,
            TextStringObject,
        )

        writer = self.writer
        pages = DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Count"): NumberObject(1 + len(self.body_pages)),
            NameObject("/Kids"): ArrayObject(IndirectObject(i, 0, writer) for i in [cover_id, *self.body_pages]),
        })
        root = DictionaryObject(writer._root_object)
        root[NameObject("/Pages")] = IndirectObject(self.pages_id, 0, writer)
        info = DictionaryObject({NameObject("/Title"): TextStringObject(title),
                                 NameObject("/Creator"): TextStringObject("履职通")})
        info_id = self.info_id or len(writer._objects) + 1
        extra = {}
        for idnum, obj in ((self.pages_id, pages), (self.root_id, root), (info_id, info)):
            out = io.BytesIO()
            out.write(f"{idnum} 0 obj\n".encode())
            obj.write_to_stream(out)
            out.write(b"\nendobj\n")
            extra[idnum] = out.getvalue()
        size = max(len(writer._objects), info_id) + 1
        offsets: dict[int, int] = {}
        chunks = [self.header]
        position = len(self.header)
        for idnum in sorted(self.common | own | set(extra)):
            blob = extra.get(idnum) or self._blob(idnum)
            offsets[idnum] = position
            chunks.append(blob)
            position += len(blob)
        free = [n for n in range(1, size) if n not in offsets]
        next_free = dict(zip([0, *free], [*free, 0], strict=True))
        lines = [f"xref\n0 {size}\n".encode(), f"{next_free[0]:010d} 65535 f \n".encode()]
        for n in range(1, size):
            if n in offsets:
                lines.append(f"{offsets[n]:010d} 00000 n \n".encode())
            else:
                lines.append(f"{next_free[n]:010d} 00001 f \n".encode())
        trailer = (f"trailer\n<< /Size {size} /Root {self.root_id} 0 R /Info {info_id} 0 R >>\n"
                   f"startxref\n{position}\n%%EOF\n").encode()
        return b"".join([*chunks, *lines, trailer])


def iter_edition_pdfs(recipients: Iterable, *, body: bytes | None = None) -> Iterator[tuple[Recipient, bytes]]:
    """(recipient, PDF) for each recipient, in order; the body is rendered (or read from the cache) once."""
    recipients = [_as_recipient(r) for r in recipients]
    if not recipients:
        return
    assembler = _Assembler(body if body is not None else edition_body_pdf())
    for start in range(0, len(recipients), COVERS_PER_DOCUMENT):
        chunk = recipients[start:start + COVERS_PER_DOCUMENT]
        for recipient, cover in zip(chunk, render_covers(chunk), strict=True):
            cover_id, own = assembler.add_cover(cover)
            title = f"{DEFAULT_TITLE}（{recipient.person.name}）"
            yield recipient, assembler.build(cover_id, own, title)


def handbook_edition_pdfs(recipients: Iterable) -> list[bytes]:
    """Personal editions for (person, mandate) pairs, in the order given."""
    return [content for _, content in iter_edition_pdfs(recipients)]


def handbook_edition_pdf(person, mandate=None) -> bytes:
    return handbook_edition_pdfs([(person, mandate)])[0]


def card_mandate(person):
    """The mandate a person's own download shows on its cover: their highest current level."""
    from lvzhi.people.models import Mandate

    return (Mandate.objects.filter(person=person, status=Mandate.Status.ACTIVE)
            .select_related("term__congress", "delegation", "district").order_by("level", "-term__start_date")
            .first())


def edition_filename(person) -> str:
    return f"{DEFAULT_TITLE}_{person.name}.pdf"
