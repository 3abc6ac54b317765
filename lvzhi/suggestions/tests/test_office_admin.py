"""The configuration site shows suggestions read-only with their assignments and history; categories editable."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_admin_pages(client, admin_user, make_suggestion):
    s = make_suggestion(state="submitted")
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for url in (reverse("admin:suggestions_suggestion_changelist"),
                reverse("admin:suggestions_suggestion_change", args=[s.pk]),
                reverse("admin:suggestions_category_changelist")):
        r = client.get(url)
        assert r.status_code == 200, url
