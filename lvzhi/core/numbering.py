"""Gapless numbers (建议编号 and the like), taken under a row lock inside the caller's transaction.

The increment belongs to the caller's transaction: if the caller rolls back (a submission that fails its checks),
the number is released with it, so the numbers issued stay 1, 2, 3 … without holes. Concurrent takers wait on the
row lock (PostgreSQL ``SELECT … FOR UPDATE``) and get distinct numbers."""

from django.db import transaction

from .models import NumberSequence


def next_number(key: str) -> int:
    """The next number under ``key`` (1 for a new key). Must be called inside ``transaction.atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the caller's transaction.atomic block")
    locked = NumberSequence.objects.select_for_update()
    try:
        sequence = locked.get(key=key)
    except NumberSequence.DoesNotExist:
        # INSERT … ON CONFLICT DO NOTHING: a concurrent first taker's row wins without an IntegrityError that
        # would poison the caller's transaction; the lock below then waits for it.
        NumberSequence.objects.bulk_create([NumberSequence(key=key)], ignore_conflicts=True)
        sequence = locked.get(key=key)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def current_number(key: str) -> int:
    """The last number issued under ``key`` (0 if none), without taking one."""
    return NumberSequence.objects.filter(key=key).values_list("last", flat=True).first() or 0
