"""Training views: attendance (see training/urls.py)."""

urlpatterns: list = []
