"""Suggestion views, one module per side; each lists its own ``urlpatterns`` (joined in suggestions/urls.py)."""
