import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

NOTE_KINDS = Literal["duty", "public_opinion"]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("不能包含空字符（\\x00）")
    return value


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[dict]


class RegionRef(Schema):
    code: str
    name: str


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    kind: str
    parent: str | None
    has_children: bool


class UnitRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_month: str | None = Field(None, description="出生年月，YYYY-MM")
    region: RegionRef
    id_masked: str = Field(description="身份证号（脱敏），如 110101********1234")
    phone_masked: str = Field(description="联系电话（脱敏），如 138****5678")
    levels: list[str] = Field(description="本届在任的代表层级")


class MandateOut(Schema):
    id: int
    level: int
    level_label: str
    congress: str
    term: str
    is_current_term: bool
    status: str
    status_label: str
    end_reason: str
    district: str | None
    delegation: str | None
    group: str | None
    station: str | None
    deputy_number: str
    start_date: dt.date | None
    end_date: dt.date | None


class PersonDetailOut(PersonOut):
    ethnicity: str
    political_status: str
    education: str
    employer_title: str
    occupation: str
    mandates: list[MandateOut]


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    region: RegionRef | None
    person: PersonOut | None
    unit: UnitRef | None
    capabilities: list[str]


class NoteIn(Schema):
    date: dt.date
    kind: NOTE_KINDS = "duty"
    title: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=5000)

    _no_nul = field_validator("title", "text")(_no_nul)

    @field_validator("title", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能为空")
        return value


class NoteOut(Schema):
    id: int
    date: dt.date
    kind: str
    kind_label: str
    title: str
    text: str
    status: str
    status_label: str
    review_comment: str
    photos: list[str] = Field(description="照片地址（需登录或令牌）")
    created_at: dt.datetime
    updated_at: dt.datetime


class ActivityOut(Schema):
    id: int
    date: dt.date
    kind: str
    kind_label: str
    title: str
    hours: float
    source: str = Field(description="来源记录的类别")


class PersonPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PersonOut]


class NotePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[NoteOut]


class ActivityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ActivityOut]
