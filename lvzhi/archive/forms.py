import io
import uuid

from django import forms
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import ActivityKind, DutyNote
from .services import MAX_NOTE_PHOTOS, MAX_REVIEW_COMMENT

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000
MAX_PHOTO_SIDE = 2560  # enough to read a document photographed on a phone; keeps the archive small
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several images in one input; each is checked and re-encoded (see ``clean_photo``)."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_NOTE_PHOTOS:
            raise forms.ValidationError(f"每篇笔记最多 {MAX_NOTE_PHOTOS} 张照片，本次选择了 {len(files)} 张")
        return [clean_photo(f) for f in files]


def clean_photo(upload) -> ContentFile:
    """Refuse what is not a photo of sensible size; re-encode the rest so that no location (EXIF GPS) or
    hidden payload is kept, and phone photos lie the right way up."""
    name = getattr(upload, "name", "") or "照片"
    if upload.size > MAX_PHOTO_BYTES:
        raise forms.ValidationError(f"「{name}」超过 10MB，请压缩后再上传")
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in PHOTO_FORMATS:
            raise forms.ValidationError(f"「{name}」不是支持的图片格式，请上传 JPG、PNG、WebP 或 GIF 照片")
        if width * height > MAX_PHOTO_PIXELS:
            raise forms.ValidationError(f"「{name}」像素过大，请缩小后再上传")
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
            out = io.BytesIO()
            if image_format == "JPEG" or image.mode not in ("RGBA", "LA", "P"):
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                extension = "jpg"
            else:
                image.save(out, "PNG", optimize=True)
                extension = "png"
    except forms.ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise forms.ValidationError(f"「{name}」不是有效的图片文件，请上传 JPG、PNG、WebP 或 GIF 照片") from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


class DutyNoteForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"required": "请选择日期", "invalid": "日期格式不正确，例如 2026-03-08"})
    kind = forms.ChoiceField(label="类型", choices=DutyNote.Kind.choices, initial=DutyNote.Kind.DUTY,
                             widget=forms.RadioSelect,
                             error_messages={"required": "请选择类型", "invalid_choice": "请选择履职笔记或民情日记"})
    title = forms.CharField(label="标题", max_length=100,
                            error_messages={"required": "请填写标题",
                                            "max_length": "标题不能超过 %(limit_value)d 字（现在 %(show_value)d 字）"},
                            widget=forms.TextInput(attrs={"placeholder": "例如：走访东门社区独居老人"}))
    text = forms.CharField(label="内容", max_length=5000,
                           error_messages={"required": "请填写内容",
                                           "max_length": "内容不能超过 %(limit_value)d 字（现在 %(show_value)d 字）"},
                           widget=forms.Textarea(attrs={"rows": 8, "placeholder": "时间、地点、做了什么、群众反映了什么、下一步打算"}))
    photos = PhotosField(label="照片")

    def __init__(self, *args, note: DutyNote | None = None, **kwargs):
        self.note = note
        super().__init__(*args, **kwargs)
        if note is None:
            self.fields["date"].initial = timezone.localdate()
            self.existing_photos = []
        else:
            self.existing_photos = list(note.photos.all())
            self.fields["remove_photos"] = forms.TypedMultipleChoiceField(
                label="删除照片", required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                choices=[(photo.pk, f"照片{i}") for i, photo in enumerate(self.existing_photos, 1)],
            )
        self.fields["photos"].help_text = f"可选，最多 {MAX_NOTE_PHOTOS} 张，每张不超过 10MB"

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("日期不能晚于今天")
        if date.year < 2000:
            raise forms.ValidationError("日期不正确，请检查年份")
        return date

    def clean(self):
        cleaned = super().clean()
        kept = len(self.existing_photos) - len(cleaned.get("remove_photos") or [])
        added = len(cleaned.get("photos") or [])
        if kept + added > MAX_NOTE_PHOTOS:
            self.add_error("photos", f"每篇笔记最多 {MAX_NOTE_PHOTOS} 张照片，已有 {kept} 张，最多还能添加 {max(MAX_NOTE_PHOTOS - kept, 0)} 张")
        return cleaned


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "采纳"), ("return", "退回")])  # the button pressed
    comment = forms.CharField(label="审核意见", required=False, max_length=MAX_REVIEW_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3, "placeholder": "退回时必填：请写明需要补充或修改的地方"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "退回时请写明需要修改的地方")
        return cleaned


class ArchiveFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None,
                                  widget=forms.Select(attrs={"data-autosubmit": ""}))
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部类别"), *ActivityKind.choices],
                             widget=forms.Select(attrs={"data-autosubmit": ""}))

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年度"), *[(y, f"{y}年") for y in years]]


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "待审核"), *[
        (value, label) for value, label in DutyNote.Status.choices if value != DutyNote.Status.SUBMITTED
    ]])
