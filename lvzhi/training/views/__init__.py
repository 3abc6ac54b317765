"""Training views, one module per area; each module lists its own ``urlpatterns`` (joined in training/urls.py)."""
