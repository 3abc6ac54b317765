from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def deputy_home(request):
    return render(request, "core/home_other.html")


@login_required
def person_archive(request, person_id):
    return render(request, "core/home_other.html")


@login_required
def my_notes(request):
    return render(request, "core/home_other.html")


@login_required
def review_queue(request):
    return render(request, "core/home_other.html")
