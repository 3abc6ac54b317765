"""Suggestion numbers through the office's 立案 service: gapless per sitting, released by a rolled-back caller,
distinct under parallel acceptance (PostgreSQL)."""

import threading

import pytest
from django.db import connection, transaction

from lvzhi.suggestions.models import Suggestion
from lvzhi.suggestions.services import office

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(regions):
    return office.categories_for(regions["county"].code)[0]


def accept(suggestion, by, category):
    return office.suggestion_accept(suggestion=suggestion, by=by, category=category.pk)


def test_numbers_follow_each_other_per_sitting_and_a_rolled_back_acceptance_leaves_no_gap(
        make_suggestion, sitting, office_user, category):
    first, second, third = (make_suggestion(state=Suggestion.State.SUBMITTED, sitting=sitting) for _ in range(3))
    assert accept(first, office_user, category).number == 1

    class CallerFailed(Exception):
        pass

    with pytest.raises(CallerFailed), transaction.atomic():
        assert accept(second, office_user, category).number == 2
        raise CallerFailed
    second.refresh_from_db()
    assert second.number is None and second.state == Suggestion.State.SUBMITTED
    assert accept(third, office_user, category).number == 2
    assert accept(second, office_user, category).number == 3
    recess = make_suggestion(state=Suggestion.State.SUBMITTED)
    assert accept(recess, office_user, category).number == 1  # the recess has its own sequence
    assert "第003号" in Suggestion.objects.get(pk=second.pk).number_label


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_acceptances_get_twenty_gapless_numbers(make_suggestion, sitting, office_user, category):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    suggestions = [make_suggestion(state=Suggestion.State.SUBMITTED, sitting=sitting) for _ in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    def take(suggestion):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            accept(suggestion, office_user, category)
        except Exception as exc:  # noqa: BLE001 - any failure is what the test is looking for
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=take, args=(s,)) for s in suggestions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Suggestion.objects.filter(sitting=sitting).values_list("number", flat=True))
    assert numbers == list(range(1, 21))
