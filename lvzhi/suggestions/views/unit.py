"""Suggestion views: unit (joined in suggestions/urls.py)."""

urlpatterns: list = []
