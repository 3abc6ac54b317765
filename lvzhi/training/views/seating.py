"""Training views: seating (see training/urls.py)."""

urlpatterns: list = []
