from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def staff_home(request):
    return render(request, "core/home_other.html")


@login_required
def roster(request):
    return render(request, "core/home_other.html")


@login_required
def roster_import(request):
    return render(request, "core/home_other.html")
