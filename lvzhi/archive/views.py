import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from lvzhi.core.scoping import get_scoped_or_404
from lvzhi.people.models import Person

from . import selectors
from .forms import ArchiveFilterForm, DutyNoteForm, ReviewFilterForm, ReviewForm
from .models import DutyNote, DutyNotePhoto
from .services import NoteError, duty_note_review, duty_note_submit, duty_note_update

ACTIVITIES_PER_PAGE = 20
NOTES_PER_PAGE = 20


# Access helpers: a note outside the user's scope does not exist for them (404); one they may see but not
# change answers 403.

def _get_note_for_user(request, pk: int) -> DutyNote:
    return get_scoped_or_404(selectors.note_with_photos(DutyNote.objects.all()), request.user, pk=pk)


def _get_own_note(request, pk: int) -> DutyNote:
    note = _get_note_for_user(request, pk)
    if note.person_id != request.user.person_id or not request.user.can("notes.write"):
        raise PermissionDenied("只有代表本人可以修改自己的履职笔记")
    return note


def _require_writer(request) -> None:
    if not request.user.can("notes.write") or not request.user.person_id:
        raise PermissionDenied("只有代表本人可以写履职笔记")


def _require_reviewer(request) -> None:
    if not request.user.can("notes.review"):
        raise PermissionDenied("您没有审核履职笔记的权限")


def _add_service_error(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


def _source_url(activity) -> str:
    view = selectors.SOURCE_VIEWS.get((activity.source_type.app_label, activity.source_type.model))
    if not view:
        return ""
    try:
        return reverse(view, args=[activity.source_id])
    except NoReverseMatch:
        return ""


def deputy_home(request):
    """The deputy's own start page (core.views.home sends deputies here)."""
    person = get_object_or_404(Person.objects.select_related("region__parent__parent__parent"),
                               pk=request.user.person_id)
    totals = selectors.archive_totals(person.pk)
    this_year = selectors.year_summary(person.pk)
    year_kinds = next((t.kinds for t in totals if t.year == this_year["year"]), [])
    return render(request, "archive/deputy_home.html", {
        "person": person,
        "mandates": selectors.mandates_of(person),
        "recent_notes": list(selectors.notes_for(request.user)[:5]),
        "note_counts": selectors.note_status_counts(person.pk),
        "this_year": this_year,
        "year_kinds": year_kinds,
    })


@login_required
@require_GET
def person_archive(request, person_id: int):
    person = get_scoped_or_404(Person.objects.select_related("region__parent__parent__parent"), request.user,
                               pk=person_id)
    totals = selectors.archive_totals(person.pk)
    form = ArchiveFilterForm(request.GET or None, years=[t.year for t in totals])
    year = kind = None
    if form.is_valid():
        year, kind = form.cleaned_data["year"], form.cleaned_data["kind"] or None
    page = Paginator(selectors.person_activities(person.pk, year=year, kind=kind), ACTIVITIES_PER_PAGE) \
        .get_page(request.GET.get("page"))
    for activity in page.object_list:
        activity.source_url = _source_url(activity)
    context = {"person": person, "form": form, "page": page, "year": year, "kind": kind,
               "is_self": request.user.person_id == person.pk}
    if request.htmx:
        return render(request, "archive/person_archive.html#activity-list", context)
    context.update({
        "totals": totals,
        "kind_totals": selectors.kind_totals(totals),
        "grand_count": sum(t.count for t in totals),
        "grand_hours": sum((t.hours for t in totals), 0),
        "mandates": selectors.mandates_of(person),
    })
    return render(request, "archive/person_archive.html", context)


@login_required
@require_GET
def my_notes(request):
    _require_writer(request)
    page = Paginator(selectors.notes_for(request.user), NOTES_PER_PAGE).get_page(request.GET.get("page"))
    if request.htmx:
        return render(request, "archive/my_notes.html#note-list", {"page": page})
    return render(request, "archive/my_notes.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def note_new(request):
    _require_writer(request)
    form = DutyNoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note = duty_note_submit(by=request.user, date=data["date"], kind=data["kind"], title=data["title"],
                                    text=data["text"], photos=data["photos"])
        except (NoteError, ValidationError) as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, "笔记已提交，工作人员审核后将记入您的履职档案。")
            return redirect("archive:note_detail", pk=note.pk)
    return render(request, "archive/note_form.html", {"form": form, "note": None})


@login_required
@require_GET
def note_detail(request, pk: int):
    note = _get_note_for_user(request, pk)
    is_owner = note.person_id == request.user.person_id
    return render(request, "archive/note_detail.html", {
        "note": note,
        "is_owner": is_owner,
        "can_edit": is_owner and note.status != DutyNote.Status.ACCEPTED,
        "can_review": request.user.can("notes.review"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request, pk: int):
    note = _get_own_note(request, pk)
    if note.status == DutyNote.Status.ACCEPTED:
        messages.error(request, "已采纳的笔记不能再修改；如需更正，请联系代表工委退回。")
        return redirect("archive:note_detail", pk=note.pk)
    initial = {"date": note.date, "kind": note.kind, "title": note.title, "text": note.text}
    form = DutyNoteForm(request.POST or None, request.FILES or None, initial=initial, note=note)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            duty_note_update(note=note, by=request.user, date=data["date"], kind=data["kind"], title=data["title"],
                             text=data["text"], photos=data["photos"],
                             remove_photo_ids=data.get("remove_photos") or [])
        except (NoteError, ValidationError) as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, "笔记已修改并重新提交审核。")
            return redirect("archive:note_detail", pk=note.pk)
    return render(request, "archive/note_form.html", {"form": form, "note": note})


@login_required
@require_GET
def note_photo(request, pk: int, photo_id: int):
    """Photos are personal records: served only to those who may see the note, never from a public URL."""
    note = _get_note_for_user(request, pk)
    photo = get_object_or_404(DutyNotePhoto, pk=photo_id, note=note)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件不存在") from exc
    content_type = mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def review_queue(request):
    _require_reviewer(request)
    form = ReviewFilterForm(request.GET or None)
    status = DutyNote.Status.SUBMITTED
    if form.is_valid() and form.cleaned_data["status"]:
        status = form.cleaned_data["status"]
    page = Paginator(selectors.review_queue(request.user, status), NOTES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": DutyNote.Status.choices}
    if request.htmx:
        return render(request, "archive/review_queue.html#review-list", context)
    return render(request, "archive/review_queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_note(request, pk: int):
    _require_reviewer(request)
    note = _get_note_for_user(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            duty_note_review(note=note, by=request.user, accept=accept, comment=form.cleaned_data["comment"])
        except NoteError as exc:
            _add_service_error(form, exc)
        else:
            verb = "采纳，已记入代表履职档案" if accept else "退回，代表将收到修改意见"
            messages.success(request, f"「{note.title}」已{verb}。")
            return redirect("archive:review_queue")
    return render(request, "archive/review_note.html", {"note": note, "form": form})
