"""Pages of the handbook (履职常识问答), the question bank, quizzes and the personal PDF edition. Thin: the
rules are in services, quiz, editions and print_jobs."""

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.accounts.models import STAFF_ROLES, Role
from lvzhi.core.documents import chinese_date, pdf_response
from lvzhi.core.scoping import get_scoped_or_404, scoped

from . import editions, laws, print_jobs, quiz, selectors, services
from .forms import (
    LETTERS,
    EntryForm,
    ImportForm,
    PrintByLevelForm,
    QuestionFilterForm,
    QuestionForm,
    QuizForm,
)
from .models import HandbookEntry, Part, PrintJob, Question, Quiz, QuizAttempt

BANK_PAGE_SIZE = 30
PRINT_STALL_AFTER = dt.timedelta(seconds=30)


# ---------------------------------------------------------------------------------------------------------------
# Access helpers


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _require(request, capability: str) -> None:
    if not request.user.can(capability):
        raise PermissionDenied("您没有执行此操作的权限")


def _require_staff(request) -> None:
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied("此页面仅供人大工作人员和常委会领导使用")


def _is_deputy(request) -> bool:
    return request.user.role == Role.DEPUTY and request.user.person_id is not None


def _get_entry(request, number: int) -> HandbookEntry:
    entry = get_scoped_or_404(HandbookEntry.objects.all(), request.user, number=number)
    if not entry.is_active and not request.user.can("handbook.edit"):
        raise Http404("这条问答已停用")
    return entry


def _get_quiz(request, pk: int) -> Quiz:
    """Staff: quizzes of their scope. A deputy: quizzes whose organiser covers them."""
    if _is_deputy(request):
        from lvzhi.people.models import Person

        person = Person.objects.get(pk=request.user.person_id)
        found = Quiz.objects.filter(pk=pk, region_id__in=_ancestor_codes(person.region_id)).select_related(
            "region").first()
        if found is None:
            raise Http404("没有这项测试，或它不面向您")
        return found
    _require_staff(request)
    return get_scoped_or_404(Quiz.objects.select_related("region", "created_by"), request.user, pk=pk)


def _ancestor_codes(code: str) -> set[str]:
    return {code[:n].ljust(12, "0") for n in (2, 4, 6, 9)} | {code}


def _get_attempt(request, pk: int) -> QuizAttempt:
    if request.user.role not in STAFF_ROLES and not _is_deputy(request):
        raise Http404
    attempt = get_scoped_or_404(QuizAttempt.objects.select_related("quiz", "person"), request.user, pk=pk)
    return quiz.attempt_close_if_expired(attempt)


# ---------------------------------------------------------------------------------------------------------------
# The handbook


@login_required
@require_GET
def home(request):
    q = request.GET.get("q", "").strip()[:60]
    editor = request.user.can("handbook.edit")
    context = {"q": q, "editor": editor, "is_deputy": _is_deputy(request),
               "results": selectors.search_entries(q, include_inactive=editor) if q else None}
    if _partial(request):
        return render(request, "handbook/home.html#results", context)
    context["parts"] = selectors.parts_with_entries(include_inactive=editor)
    context["total"] = sum(len(p["entries"]) for p in context["parts"])
    context["can_print"] = request.user.can("handbook.print")
    return render(request, "handbook/home.html", context)


@login_required
@require_GET
def entry(request, number: int):
    item = _get_entry(request, number)
    previous, following = selectors.neighbours(item)
    context = {
        "entry": item, "citations": laws.expand(item.citations), "previous": previous, "following": following,
        "paragraphs": [p.strip() for p in item.answer.splitlines() if p.strip()],
        "editor": request.user.can("handbook.edit"), "part": Part(item.part),
        "versions": item.versions.count() if request.user.can("handbook.edit") else 0,
    }
    return render(request, "handbook/entry.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request):
    _require(request, "handbook.edit")
    form = EntryForm(request.POST or None, editing=False, initial={"part": request.GET.get("part", "")})
    if request.method == "POST" and form.is_valid():
        try:
            item = services.entry_create(by=request.user, **form.cleaned_data)
        except services.HandbookError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, f"已新增第{item.number}条问答")
            return redirect("handbook:entry", number=item.number)
    return render(request, "handbook/entry_form.html", {"form": form, "entry": None})


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, number: int):
    _require(request, "handbook.edit")
    item = _get_entry(request, number)
    form = EntryForm(request.POST or None, initial=EntryForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        before = item.version
        try:
            item = services.entry_update(entry=item, by=request.user, **form.cleaned_data)
        except services.HandbookError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            if item.version == before:
                messages.info(request, "内容没有变化，未生成新版本")
            else:
                messages.success(request, f"已保存为第{item.version}版，原文本已存入历史版本")
            return redirect("handbook:entry", number=item.number)
    return render(request, "handbook/entry_form.html", {"form": form, "entry": item})


@login_required
@require_GET
def entry_history(request, number: int):
    _require(request, "handbook.edit")
    item = _get_entry(request, number)
    versions = [
        {"version": v, "citations": laws.expand(v.citations), "part": Part(v.part).label,
         "paragraphs": [p for p in v.answer.splitlines() if p.strip()]}
        for v in item.versions.select_related("edited_by").order_by("-version")
    ]
    return render(request, "handbook/entry_history.html", {
        "entry": item, "versions": versions, "citations": laws.expand(item.citations),
        "paragraphs": [p for p in item.answer.splitlines() if p.strip()]})


@login_required
@require_POST
def entry_active(request, number: int):
    _require(request, "handbook.edit")
    item = _get_entry(request, number)
    active = request.POST.get("active") == "1"
    services.entry_set_active(entry=item, by=request.user, active=active)
    messages.success(request, f"第{item.number}条问答已{'恢复使用' if active else '停用，不再出现在手册和测试中'}")
    return redirect("handbook:entry", number=item.number)


# ---------------------------------------------------------------------------------------------------------------
# The question bank


@login_required
@require_GET
def questions(request):
    _require(request, "handbook.edit")
    form = QuestionFilterForm(request.GET)
    form.is_valid()
    data = {k: form.cleaned_data.get(k) or "" for k in ("q", "part", "kind", "status")}
    page = Paginator(selectors.question_bank(**data), BANK_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    counts = selectors.bank_counts()
    context = {"form": form, "page": page, "rows": [_question_row(q) for q in page.object_list],
               "querystring": params.urlencode(), "counts": counts,
               "part_counts": [(p.label, counts["parts"][p.value]) for p in Part],
               "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)}
    if _partial(request):
        return render(request, "handbook/questions.html#results", context)
    return render(request, "handbook/questions.html", context)


def _question_row(q: Question) -> dict:
    return {
        "question": q,
        "options": [{"letter": LETTERS[i], "text": text, "right": i in q.answer} for i, text in enumerate(q.options)],
        "answer": "、".join(LETTERS[i] for i in q.answer) if q.kind != Question.Kind.TRUE_FALSE
        else q.options[q.answer[0]],
    }


@login_required
@require_http_methods(["GET", "POST"])
def question_create(request):
    _require(request, "handbook.edit")
    initial = {}
    if request.GET.get("entry", "").isdigit():
        found = HandbookEntry.objects.filter(number=int(request.GET["entry"])).first()
        initial["entry"] = found.pk if found else None
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_create(by=request.user, **form.cleaned_data)
        except services.HandbookError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, "已加入题库")
            return redirect("handbook:questions")
    return render(request, "handbook/question_form.html", {"form": form, "question": None})


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int):
    _require(request, "handbook.edit")
    item = get_scoped_or_404(Question.objects.select_related("entry"), request.user, pk=pk)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(question=item, by=request.user, **form.cleaned_data)
        except services.HandbookError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, "试题已保存；已评分的答卷不受影响")
            return redirect("handbook:questions")
    return render(request, "handbook/question_form.html", {"form": form, "question": item})


@login_required
@require_POST
def question_active(request, pk: int):
    _require(request, "handbook.edit")
    item = get_scoped_or_404(Question.objects.all(), request.user, pk=pk)
    active = request.POST.get("active") == "1"
    services.question_set_active(question=item, by=request.user, active=active)
    messages.success(request, "试题已" + ("恢复使用" if active else "停用，不再被抽到"))
    return redirect(request.POST.get("next") if _safe_next(request) else reverse("handbook:questions"))


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/handbook/") and not target.startswith("//")


# ---------------------------------------------------------------------------------------------------------------
# Exchange (JSON export and import)


@login_required
@require_http_methods(["GET", "POST"])
def exchange(request):
    _require(request, "handbook.edit")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        try:
            data = json.loads(form.cleaned_data["file"].read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            errors = [f"文件不是有效的 JSON：{exc}"]
        else:
            try:
                result = services.handbook_import(data, by=request.user, note=f"网页导入 {form.cleaned_data['file'].name}")
            except services.HandbookError as exc:
                errors = exc.errors
    counts = HandbookEntry.objects.filter(is_active=True).count(), selectors.bank_counts()["total"]
    return render(request, "handbook/exchange.html", {
        "form": form, "errors": errors[:300], "errors_hidden": max(len(errors) - 300, 0), "result": result,
        "entries": counts[0], "questions": counts[1]})


@login_required
@require_GET
def export(request):
    _require(request, "handbook.edit")
    content = services.handbook_dumps(services.handbook_export())
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    name = f"handbook-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------------------------------------------------------
# Quizzes


@login_required
@require_GET
def quizzes(request):
    if _is_deputy(request):
        return _my_quizzes(request)
    _require_staff(request)
    items = (scoped(Quiz.objects.select_related("region"), request.user)
             .annotate(takers=Count("attempts__person", distinct=True)).order_by("-created_at")[:100])
    return render(request, "handbook/quizzes_staff.html", {
        "quizzes": items, "can_manage": request.user.can("quiz.manage"), "now": timezone.now()})


def _my_quizzes(request):
    from lvzhi.people.models import Person

    person = Person.objects.get(pk=request.user.person_id)
    now = timezone.now()
    mine = list(QuizAttempt.objects.filter(person=person).select_related("quiz").order_by("-started_at")[:50])
    for attempt in mine:
        if attempt.submitted_at is None:
            quiz.attempt_close_if_expired(attempt, now=now)
    available = []
    used: dict[int, int] = {}
    for attempt in mine:
        used[attempt.quiz_id] = used.get(attempt.quiz_id, 0) + 1
    for item in quiz.quizzes_for_person(person, now).order_by("closes_at", "-created_at")[:50]:
        state = quiz.quiz_state(item, now)
        open_attempt = next((a for a in mine if a.quiz_id == item.pk and a.submitted_at is None), None)
        left = item.max_attempts - used.get(item.pk, 0) if item.max_attempts else None
        available.append({"quiz": item, "state": state, "open_attempt": open_attempt, "left": left,
                          "best": max((a.score for a in mine if a.quiz_id == item.pk and a.score is not None),
                                      default=None)})
    return render(request, "handbook/quizzes_mine.html", {"available": available, "attempts": mine})


@login_required
@require_http_methods(["GET", "POST"])
def quiz_create(request):
    _require(request, "quiz.manage")
    form = QuizForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = quiz.quiz_create(by=request.user, **form.cleaned_data)
        except quiz.QuizError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已创建测试“{item.title}”")
            return redirect("handbook:quiz", pk=item.pk)
    counts = selectors.bank_counts()
    return render(request, "handbook/quiz_form.html", {
        "form": form, "counts": counts, "part_counts": [(p.label, counts["parts"][p.value]) for p in Part]})


@login_required
@require_GET
def quiz_detail(request, pk: int):
    item = _get_quiz(request, pk)
    if _is_deputy(request):
        from lvzhi.people.models import Person

        person = Person.objects.get(pk=request.user.person_id)
        attempts = list(QuizAttempt.objects.filter(quiz=item, person=person).order_by("-started_at"))
        attempts = [quiz.attempt_close_if_expired(a) for a in attempts]
        left = item.max_attempts - len(attempts) if item.max_attempts else None
        return render(request, "handbook/quiz_intro.html", {
            "quiz": item, "attempts": attempts, "left": left, "state": quiz.quiz_state(item),
            "open_attempt": next((a for a in attempts if a.submitted_at is None), None),
            "parts": [Part(p).label for p in item.parts] or ["全部四个部分"]})
    quiz.attempts_close_expired(quiz=item)
    return render(request, "handbook/quiz_staff.html", {
        "quiz": item, "results": selectors.quiz_results(item), "state": quiz.quiz_state(item),
        "parts": [Part(p).label for p in item.parts] or ["全部四个部分"]})


@login_required
@require_POST
def quiz_start(request, pk: int):
    if not _is_deputy(request):
        raise PermissionDenied("测试只能由代表本人登录后作答")
    item = _get_quiz(request, pk)
    try:
        attempt = quiz.attempt_start(quiz=item, person=request.user.person, by=request.user)
    except quiz.QuizError as exc:
        messages.error(request, str(exc))
        return redirect("handbook:quiz", pk=item.pk)
    return redirect("handbook:attempt", pk=attempt.pk)


def _attempt_questions(attempt: QuizAttempt) -> list[dict]:
    questions = Question.objects.in_bulk(attempt.question_ids)
    rows = []
    for number, pk in enumerate(attempt.question_ids, start=1):
        q = questions.get(pk)
        if q is None:
            continue
        chosen = set(attempt.answers.get(str(pk), []))
        rows.append({"number": number, "question": q, "multiple": q.kind == Question.Kind.MULTIPLE,
                     "options": [{"index": i, "letter": LETTERS[i], "text": text, "checked": i in chosen}
                                 for i, text in enumerate(q.options)]})
    return rows


def _posted_answers(request, attempt: QuizAttempt) -> dict:
    return {str(pk): request.POST.getlist(f"q{pk}") for pk in attempt.question_ids}


@login_required
@require_GET
def attempt_detail(request, pk: int):
    attempt = _get_attempt(request, pk)
    if attempt.submitted_at is None:
        if not _is_deputy(request):
            return render(request, "handbook/attempt_result.html", {"attempt": attempt, "running": True})
        remaining = int((attempt.deadline - timezone.now()).total_seconds())
        return render(request, "handbook/attempt_take.html", {
            "attempt": attempt, "quiz": attempt.quiz, "questions": _attempt_questions(attempt),
            "remaining": max(remaining, 0)})
    return render(request, "handbook/attempt_result.html", _result_context(attempt))


def _result_context(attempt: QuizAttempt) -> dict:
    rows = []
    for number, r in enumerate(attempt.results, start=1):
        def letters(indexes, r=r):
            return [{"letter": LETTERS[i], "text": r["options"][i]} for i in indexes if i < len(r["options"])]

        rows.append({**r, "number": number, "given_options": letters(r["given"]),
                     "right_options": letters(r["answer"]), "kind_label": Question.Kind(r["kind"]).label})
    return {"attempt": attempt, "quiz": attempt.quiz, "wrong": [r for r in rows if not r["ok"]],
            "total": len(rows), "running": False}


@login_required
@require_POST
def attempt_save(request, pk: int):
    attempt = _get_attempt(request, pk)
    if attempt.submitted_at is not None and _is_deputy(request) and request.user.person_id == attempt.person_id:
        # Time ran out (the attempt was closed on this request) or it was handed in from another tab.
        response = HttpResponse('<span class="error">答题时间已到，已按时限内保存的作答评分</span>')
        response["HX-Redirect"] = reverse("handbook:attempt", args=[attempt.pk])
        return response
    try:
        quiz.attempt_save(attempt=attempt, answers=_posted_answers(request, attempt), by=request.user)
    except quiz.QuizError as exc:
        return HttpResponse(f'<span class="error">{exc}</span>')
    answered = sum(1 for pk in attempt.question_ids if request.POST.getlist(f"q{pk}"))
    return HttpResponse(f"已自动保存（{timezone.localtime():%H:%M:%S}，已答{answered}/{len(attempt.question_ids)}题）")


@login_required
@require_POST
def attempt_submit(request, pk: int):
    attempt = _get_attempt(request, pk)
    if not _is_deputy(request):  # a deputy reaches only their own attempts (scope); staff only read them
        raise PermissionDenied("测试只能由代表本人登录后作答")
    if attempt.submitted_at is not None:
        return redirect("handbook:attempt", pk=attempt.pk)
    attempt = quiz.attempt_submit(attempt=attempt, answers=_posted_answers(request, attempt), by=request.user)
    return redirect("handbook:attempt", pk=attempt.pk)  # a late paper says so on its result


# ---------------------------------------------------------------------------------------------------------------
# The personal PDF edition


@login_required
@require_GET
def my_edition(request):
    if not _is_deputy(request):
        raise Http404("只有代表本人账号有个人专用本")
    return edition(request, request.user.person_id)


@login_required
@require_GET
def edition(request, person_pk: int):
    from lvzhi.people.models import Mandate, Person

    if request.user.role not in STAFF_ROLES and not _is_deputy(request):
        raise Http404
    person = get_scoped_or_404(Person.objects.all(), request.user, pk=person_pk)
    mandate_pk = request.GET.get("mandate", "")
    if mandate_pk.isdigit():
        mandate = (Mandate.objects.select_related("term__congress", "delegation", "district")
                   .filter(pk=int(mandate_pk), person=person).first())
        if mandate is None:
            raise Http404("该人员没有这一代表资格")
    else:
        mandate = editions.card_mandate(person)
    content = editions.handbook_edition_pdf(person, mandate)
    return pdf_response(content, editions.edition_filename(person))


# ---------------------------------------------------------------------------------------------------------------
# Batches of personal editions


def _get_print_job(request, pk: int) -> PrintJob:
    _require_staff(request)
    return get_scoped_or_404(PrintJob.objects.select_related("requested_by"), request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def print_jobs_list(request):
    """The batches of the user's scope; staff who may print start one for every current deputy of a level."""
    _require_staff(request)
    can_print = request.user.can("handbook.print")
    form = PrintByLevelForm(request.POST or None) if can_print else None
    if request.method == "POST":
        _require(request, "handbook.print")
        if form.is_valid():
            job = _print_level(request, form.cleaned_data["level"], form.cleaned_data["label"])
            if job is not None:
                return redirect("handbook:print_job", pk=job.pk)
    jobs = scoped(PrintJob.objects.select_related("requested_by"), request.user).defer("recipients")[:50]
    return render(request, "handbook/print_jobs.html", {"jobs": jobs, "form": form})


def _print_level(request, level: int, label: str) -> PrintJob | None:
    from lvzhi.people.models import Level, Mandate

    mandates = list(
        scoped(Mandate.objects.filter(level=level, status=Mandate.Status.ACTIVE, term__is_current=True), request.user)
        .select_related("person").order_by("delegation__name", "person__name_initials", "person_id")
        [: print_jobs.MAX_RECIPIENTS + 1])
    if not mandates:
        messages.error(request, f"您的管辖范围内没有在任的{Level(level).label}人大代表")
        return None
    if len(mandates) > print_jobs.MAX_RECIPIENTS:
        messages.error(request, f"超过{print_jobs.MAX_RECIPIENTS}人，请在培训班页面按班次分批印制")
        return None
    seen, pairs = set(), []
    for mandate in mandates:
        if mandate.person_id not in seen:
            seen.add(mandate.person_id)
            pairs.append((mandate.person, mandate))
    label = label or f"{Level(level).label}人大代表履职常识问答（{request.user.region.name}，{len(pairs)}人）"
    return print_jobs.print_job_start(by=request.user, persons_with_mandates=pairs, label=label)


def _print_context(job: PrintJob) -> dict:
    stalled = job.status == PrintJob.Status.PENDING and timezone.now() - job.created_at > PRINT_STALL_AFTER
    return {"job": job, "stalled": stalled}


@login_required
@require_GET
def print_job(request, pk: int):
    return render(request, "handbook/print_job.html", _print_context(_get_print_job(request, pk)))


@login_required
@require_GET
def print_job_progress(request, pk: int):
    """The status panel alone; the page polls it every second while the job runs, and it stops polling itself."""
    return render(request, "handbook/print_job.html#status", _print_context(_get_print_job(request, pk)))


@login_required
@require_GET
def print_job_download(request, pk: int):
    job = _get_print_job(request, pk)
    if job.status != PrintJob.Status.DONE or not job.file:
        raise Http404("压缩包尚未生成")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("压缩包已被清理，请重新生成") from exc
    name = f"{job.label}_{chinese_date(timezone.localtime(job.finished_at or job.created_at))}.zip"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")

