"""Suggestion views: office (joined in suggestions/urls.py)."""

urlpatterns: list = []
