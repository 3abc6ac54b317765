import threading

import pytest
from django.db import connection, transaction

from lvzhi.core.models import NumberSequence
from lvzhi.core.numbering import current_number, next_number

pytestmark = pytest.mark.django_db


def test_numbers_start_at_one_and_are_per_key():
    with transaction.atomic():
        assert [next_number("a"), next_number("a"), next_number("b"), next_number("a")] == [1, 2, 1, 3]
    assert current_number("a") == 3 and current_number("none") == 0


def test_a_rolled_back_caller_releases_its_number():
    with transaction.atomic():
        assert next_number("k") == 1

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        assert next_number("k") == 2
        raise Refused
    with transaction.atomic():
        assert next_number("k") == 2  # no gap
    assert NumberSequence.objects.get(key="k").last == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        next_number("x")
    assert not NumberSequence.objects.filter(key="x").exists()


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_takers_get_fifty_distinct_gapless_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    barrier = threading.Barrier(50)
    numbers, errors = [], []

    def take():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(next_number("sitting-1"))
        except Exception as exc:  # noqa: BLE001 - any failure is what the test is looking for
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=take) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 51))
    assert NumberSequence.objects.get(key="sitting-1").last == 50
