"""Suggestion views: deputy (joined in suggestions/urls.py)."""

urlpatterns: list = []
