"""seed_demo builds the training demo through the services, and a second run changes nothing."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_seed_demo_builds_the_training_classes_twice_without_change(settings):
    from lvzhi.accounts.models import User
    from lvzhi.handbook.models import Quiz, QuizAttempt
    from lvzhi.handbook.quiz import quiz_compare
    from lvzhi.training.demo import AREAS_TITLE, MAIN_TITLE
    from lvzhi.training.models import (
        Attendance,
        Certificate,
        DiscussionItem,
        Enrollment,
        LeaveRequest,
        LessonRating,
        Reflection,
        TrainingClass,
    )

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)
    main = TrainingClass.objects.get(title=MAIN_TITLE)
    enrolled = Enrollment.objects.filter(training_class=main, status=Enrollment.Status.ENROLLED)
    assert enrolled.count() == 346
    assert main.status == TrainingClass.Status.FINISHED and main.lessons.count() == 8
    assert main.delegations.count() == 12 and not main.delegations.filter(lead_name="").exists()
    assert main.groups.count() == 12 and enrolled.filter(is_convener=True).count() == 12
    assert not enrolled.filter(zone__isnull=True).exists()
    assert LeaveRequest.objects.filter(enrollment__training_class=main, status="approved").count() >= 5
    assert Attendance.objects.filter(lesson__training_class=main, late_minutes__gt=0).exists()
    assert DiscussionItem.objects.filter(training_class=main).exclude(reply="").exists()
    assert LessonRating.objects.filter(lesson__training_class=main).count() > 50
    assert Reflection.objects.filter(enrollment__training_class=main).exists()
    certified = Certificate.objects.filter(enrollment__training_class=main).count()
    assert 300 <= certified < 346  # the few with an unexcused absence get none
    deputy = User.objects.get(username="deputy")
    assert enrolled.filter(person_id=deputy.person_id).exists()

    # The before and after tests, taken by the deputies with an account; better after the class.
    before, after = main.pre_quiz, main.post_quiz
    assert (before.purpose, after.purpose) == (Quiz.Purpose.BEFORE, Quiz.Purpose.AFTER)
    assert before.question_count == after.question_count == 20 and before.pass_mark == after.pass_mark == 60
    assert before.closes_at <= main.lessons.order_by("starts_at").first().starts_at
    assert after.opens_at >= main.lessons.order_by("starts_at").last().ends_at
    taken = QuizAttempt.objects.filter(quiz__in=[before, after])
    assert not taken.filter(submitted_at__isnull=True).exists() and not taken.filter(late=True).exists()
    assert taken.filter(person_id=deputy.person_id).count() == 2
    assert set(taken.values_list("person_id", flat=True)) <= set(enrolled.values_list("person_id", flat=True))
    assert set(taken.values_list("person_id", flat=True)) <= set(
        User.objects.filter(role="deputy").values_list("person_id", flat=True))
    compared = quiz_compare(before=before, after=after, persons=enrolled.values_list("person_id", flat=True))
    assert compared["before_count"] >= 50 and compared["after_count"] >= 50 and compared["paired"] >= 50
    assert 50 < compared["before_average"] < 70 and 80 < compared["after_average"] < 95
    assert compared["paired_after_average"] > compared["paired_before_average"]
    assert compared["after_pass_rate"] > compared["before_pass_rate"]

    areas = TrainingClass.objects.get(title=AREAS_TITLE)
    assert sorted(areas.areas.values_list("name", flat=True)) == sorted(["东片", "西片", "北片", "中片"])
    assert all(area.lessons.exists() and area.enrollments.exists() for area in areas.areas.all())

    def counts():
        return (Enrollment.objects.count(), Attendance.objects.count(), LessonRating.objects.count(),
                Certificate.objects.count(), User.objects.count(), Quiz.objects.count(), QuizAttempt.objects.count())

    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
