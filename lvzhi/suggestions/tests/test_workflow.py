"""The state machine: each action only from its states, history and audit written, rounds and dates kept."""

import pytest
from auditlog.models import LogEntry
from django.db import transaction

from lvzhi.suggestions.models import Suggestion, SuggestionEvent
from lvzhi.suggestions.workflow import TRANSITIONS, SuggestionError, allowed_actions, transition

pytestmark = pytest.mark.django_db
S = Suggestion.State


def move(suggestion, action, by=None, comment=""):
    with transaction.atomic():
        return transition(suggestion, action, by=by, comment=comment)


def test_the_whole_path_of_a_suggestion(make_suggestion, office_user):
    suggestion = make_suggestion()
    for action, state in [("submit", S.SUBMITTED), ("accept", S.ACCEPTED), ("assign", S.ASSIGNED),
                          ("start", S.HANDLING), ("reply", S.REPLIED), ("rate", S.RATED), ("close", S.CLOSED)]:
        move(suggestion, action, by=office_user)
        assert suggestion.state == state
    suggestion.refresh_from_db()
    assert suggestion.state == S.CLOSED
    assert all([suggestion.submitted_at, suggestion.accepted_at, suggestion.assigned_at, suggestion.replied_at,
                suggestion.rated_at, suggestion.closed_at])
    assert list(suggestion.events.values_list("to_state", flat=True)) == [
        S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.HANDLING, S.REPLIED, S.RATED, S.CLOSED]


def test_an_unsatisfied_rating_reopens_for_a_second_round(make_suggestion, office_user):
    suggestion = make_suggestion(state=S.REPLIED)
    move(suggestion, "reopen", by=office_user, comment="落实情况不满意")
    assert (suggestion.state, suggestion.round) == (S.ASSIGNED, 2)
    event = SuggestionEvent.objects.get(suggestion=suggestion)
    assert (event.action, event.comment, event.by) == ("reopen", "落实情况不满意", office_user)


@pytest.mark.parametrize("state,action", [
    (S.DRAFT, "accept"), (S.SUBMITTED, "reply"), (S.CLOSED, "withdraw"), (S.REPLIED, "close"),
    (S.ACCEPTED, "rate"), (S.OPINION, "accept"),
])
def test_an_action_from_the_wrong_state_is_refused_and_nothing_changes(make_suggestion, state, action):
    suggestion = make_suggestion(state=state)
    with pytest.raises(SuggestionError, match=f"当前为「{S(state).label}」，不能"):
        move(suggestion, action)
    suggestion.refresh_from_db()
    assert suggestion.state == state and not suggestion.events.exists()


def test_a_motion_goes_to_the_presidium_and_may_become_a_suggestion(make_suggestion, office_user):
    motion = make_suggestion(kind=Suggestion.Kind.MOTION)
    move(motion, "submit_motion", by=office_user)
    assert motion.state == S.PRESIDIUM
    move(motion, "motion_to_suggestion", by=office_user, comment="不符合议案条件")
    assert (motion.state, motion.kind) == (S.SUBMITTED, Suggestion.Kind.SUGGESTION)


def test_each_transition_is_in_the_audit_trail(make_suggestion, office_user):
    suggestion = make_suggestion(state=S.SUBMITTED)
    move(suggestion, "return", by=office_user, comment="请补充具体事实")
    entry = LogEntry.objects.filter(additional_data__event="suggestion_return").get()
    assert entry.actor == office_user and entry.changes["state"] == [S.SUBMITTED, S.RETURNED]


def test_allowed_actions_follow_the_table(make_suggestion):
    assert set(allowed_actions(make_suggestion(state=S.SUBMITTED))) == {
        "withdraw", "return", "to_opinion", "merge", "accept"}
    assert all(target in S.values for _, target, _ in TRANSITIONS.values())

