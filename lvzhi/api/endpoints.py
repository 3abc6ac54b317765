"""The JSON API's operations: thin, reading through the domain selectors and changing state only through the
domain services, always as the calling user and within their scope."""

import mimetypes
from typing import Annotated

from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import field_validator

from lvzhi.accounts.models import CAPABILITIES
from lvzhi.archive import selectors as archive_selectors
from lvzhi.archive.models import ActivityKind, DutyNote, DutyNotePhoto
from lvzhi.archive.services import duty_note_submit, duty_note_update
from lvzhi.core.models import Region
from lvzhi.core.scoping import get_scoped_or_404
from lvzhi.people.models import Mandate, Person
from lvzhi.people.selectors import RosterFilter, roster_persons, with_roster_mandates

from .schemas import (
    ActivityPage,
    ErrorOut,
    MeOut,
    NoteIn,
    NoteOut,
    NotePage,
    PersonDetailOut,
    PersonPage,
    RegionOut,
    ValidationErrorOut,
)

router = Router()

MAX_ID = 2**63 - 1  # larger ids would overflow the database's bigint: refuse them as bad input, not a 500
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class PageParams(Schema):
    page: int = Field(1, ge=1, le=100_000, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=100, description="每页条数，最多 100")


class PersonParams(PageParams):
    q: str = Field("", max_length=50, description="姓名、拼音首字母（如 zs）或身份证号末几位")
    level: int | None = Field(None, ge=1, le=5, description="代表层级：1全国 2省 3市 4县 5乡镇")
    region: str | None = Field(None, pattern=r"^[0-9]{12}$", description="12位区划代码，含其下级")

    @field_validator("q")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("不能包含空字符（\\x00）")
        return value


class ActivityParams(PageParams):
    year: int | None = Field(None, ge=1949, le=2100, description="年度")
    kind: str | None = Field(None, description="履职记录类别")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value and value not in ActivityKind.values:
            raise ValueError("未知的履职记录类别，可选：" + "、".join(ActivityKind.values))
        return value or None


class RegionParams(Schema):
    parent: str | None = Field(None, pattern=r"^[0-9]{12}$", description="上级区划代码；不填则返回最上级")


def _page(queryset, params: PageParams, convert) -> dict:
    count = queryset.count()
    start = (params.page - 1) * params.page_size
    items = [convert(obj) for obj in queryset[start:start + params.page_size]] if start < count else []
    return {"count": count, "page": params.page, "page_size": params.page_size, "items": items}


def _region_ref(region: Region | None) -> dict | None:
    return {"code": region.code, "name": region.name} if region else None


def _active_levels(mandates) -> list[str]:
    return [m.level_label for m in mandates if m.status == Mandate.Status.ACTIVE]


def _person_out(person: Person, mandates=None) -> dict:
    mandates = getattr(person, "current_mandates", []) if mandates is None else mandates
    return {
        "id": person.pk,
        "name": person.name,
        "gender": person.gender,
        "birth_month": person.birth_date.strftime("%Y-%m") if person.birth_date else None,
        "region": _region_ref(person.region),
        "id_masked": person.id_masked,
        "phone_masked": person.phone_masked,
        "levels": _active_levels(mandates),
    }


def _mandate_out(m: Mandate) -> dict:
    return {
        "id": m.pk,
        "level": m.level,
        "level_label": m.level_label,
        "congress": m.term.congress.name,
        "term": m.term.label,
        "is_current_term": m.term.is_current,
        "status": m.status,
        "status_label": m.get_status_display(),
        "end_reason": m.get_end_reason_display() if m.end_reason else "",
        "district": str(m.district) if m.district else None,
        "delegation": str(m.delegation) if m.delegation else None,
        "group": str(m.group) if m.group else None,
        "station": str(m.station) if m.station else None,
        "deputy_number": m.deputy_number,
        "start_date": m.start_date,
        "end_date": m.end_date,
    }


def _note_out(note: DutyNote) -> dict:
    return {
        "id": note.pk,
        "date": note.date,
        "kind": note.kind,
        "kind_label": note.get_kind_display(),
        "title": note.title,
        "text": note.text,
        "status": note.status,
        "status_label": note.get_status_display(),
        "review_comment": note.review_comment,
        "photos": [reverse("api:note_photo", kwargs={"note_id": note.pk, "photo_id": p.pk}) for p in note.photos.all()],
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }


def _require_writer(user) -> None:
    if not user.can("notes.write") or not user.person_id:
        raise HttpError(403, "只有代表本人可以查看和提交履职笔记")


def _person_mandates(person: Person) -> list[Mandate]:
    return list(
        person.mandates.select_related("term__congress", "district", "delegation", "group", "station")
        .order_by("-term__is_current", "level", "id")
    )


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户", tags=["账号"])
def me(request):
    user = request.auth
    person = None
    if user.person_id:
        person_obj = Person.objects.select_related("region").get(pk=user.person_id)
        mandates = [m for m in _person_mandates(person_obj) if m.term.is_current]
        person = _person_out(person_obj, mandates)
    return {
        "username": user.username,
        "display_name": str(user),
        "role": user.role,
        "role_label": user.role_label,
        "region": _region_ref(user.region),
        "person": person,
        "unit": {"id": user.unit.pk, "name": user.unit.name} if user.unit_id else None,
        "capabilities": sorted(CAPABILITIES.get(user.role, set())) if user.is_active else [],
    }


@router.get("/persons", response={200: PersonPage, **ERRORS}, summary="人员名册（按权限范围，已脱敏）", tags=["名册"])
def persons(request, params: Query[PersonParams]):
    region = None
    if params.region:
        region = Region.objects.filter(code=params.region).first()
        if region is None:
            raise HttpError(404, f"区划代码 {params.region} 不存在")
    flt = RosterFilter(q=params.q, level=params.level, region=region)
    queryset = with_roster_mandates(roster_persons(user=request.auth, flt=flt))
    return _page(queryset, params, _person_out)


@router.get("/persons/{person_id}", response={200: PersonDetailOut, **ERRORS}, summary="人员详情（已脱敏）",
            tags=["名册"])
def person_detail(request, person_id: Id):
    person = get_scoped_or_404(Person.objects.select_related("region"), request.auth, pk=person_id)
    mandates = _person_mandates(person)
    data = _person_out(person, [m for m in mandates if m.term.is_current])
    data.update({
        "ethnicity": person.ethnicity,
        "political_status": person.political_status,
        "education": person.education,
        "employer_title": person.employer_title,
        "occupation": person.occupation,
        "mandates": [_mandate_out(m) for m in mandates],
    })
    return data


@router.get("/persons/{person_id}/activities", response={200: ActivityPage, **ERRORS}, summary="人员履职记录",
            tags=["履职档案"])
def person_activities(request, params: Query[ActivityParams], person_id: Id):
    person = get_scoped_or_404(Person.objects.all(), request.auth, pk=person_id)
    queryset = archive_selectors.person_activities(person.pk, year=params.year, kind=params.kind)
    return _page(queryset, params, lambda a: {
        "id": a.pk, "date": a.date, "kind": a.kind, "kind_label": a.get_kind_display(), "title": a.title,
        "hours": float(a.hours), "source": a.source_type.name,
    })


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="行政区划（某一区划的下级）",
            tags=["行政区划"])
def regions(request, params: Query[RegionParams]):
    if params.parent:
        if not Region.objects.filter(code=params.parent).exists():
            raise HttpError(404, f"区划代码 {params.parent} 不存在")
        queryset = Region.objects.filter(parent_id=params.parent)
    else:
        queryset = Region.objects.filter(parent__isnull=True)
    queryset = queryset.annotate(has_children=Exists(Region.objects.filter(parent_id=OuterRef("code"))))
    return [
        {"code": r.code, "name": r.name, "level": r.level, "level_label": r.get_level_display(), "kind": r.kind,
         "parent": r.parent_id, "has_children": r.has_children}
        for r in queryset.order_by("sort", "code")
    ]


def _my_notes(user):
    return archive_selectors.notes_for(user).prefetch_related(
        Prefetch("photos", queryset=DutyNotePhoto.objects.order_by("id").only("id", "note_id"))
    )


@router.get("/me/notes", response={200: NotePage, 403: ErrorOut, **ERRORS}, summary="我的履职笔记", tags=["履职笔记"])
def my_notes(request, params: Query[PageParams]):
    _require_writer(request.auth)
    return _page(_my_notes(request.auth), params, _note_out)


@router.post("/me/notes", response={201: NoteOut, 400: ErrorOut, 403: ErrorOut, **ERRORS},
             summary="写一篇履职笔记（提交审核）", tags=["履职笔记"])
def my_notes_create(request, payload: NoteIn):
    _require_writer(request.auth)
    note = duty_note_submit(by=request.auth, date=payload.date, kind=payload.kind, title=payload.title,
                            text=payload.text)
    return Status(201, _note_out(note))


@router.post("/me/notes/{note_id}/photos", response={201: NoteOut, 400: ErrorOut, 403: ErrorOut, **ERRORS},
             summary="为自己的笔记添加照片（multipart，字段名 photos）", tags=["履职笔记"])
def my_note_photos(request, note_id: Id, photos: File[list[UploadedFile]]):
    from lvzhi.archive.forms import PhotosField

    _require_writer(request.auth)
    note = get_scoped_or_404(DutyNote.objects.all(), request.auth, pk=note_id)
    cleaned = PhotosField().clean(photos)  # type, size and count, re-encoded without location data
    duty_note_update(note=note, by=request.auth, date=note.date, kind=note.kind, title=note.title, text=note.text,
                     photos=cleaned)
    return Status(201, _note_out(_my_notes(request.auth).get(pk=note.pk)))


@router.get("/notes/{note_id}/photos/{photo_id}", url_name="note_photo", summary="笔记照片", tags=["履职笔记"],
            response={200: None, **ERRORS})
def note_photo(request, note_id: Id, photo_id: Id):
    note = get_scoped_or_404(DutyNote.objects.all(), request.auth, pk=note_id)
    photo = get_object_or_404(DutyNotePhoto, pk=photo_id, note=note)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件不存在") from exc
    response = FileResponse(handle, content_type=mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    return response

