import pytest

from ordermgmt.audit import audit_history
from ordermgmt.exceptions import ValidationFailed
from ordermgmt.roles import Role
from ordermgmt.services import user_create

pytestmark = pytest.mark.django_db


def test_user_create_gives_roles_and_records_an_audit_event(job_actor):
    user = user_create(
        username="ada",
        password="s3cret-pass",
        roles=[Role.ORDER_AGENT],
        actor=job_actor,
    )
    assert list(user.groups.values_list("name", flat=True)) == ["Order agent"]
    assert user.check_password("s3cret-pass")
    assert not user.is_staff
    assert [e.action for e in audit_history(subject=user)] == ["user.created"]


def test_process_admins_may_open_the_admin_site(job_actor):
    user = user_create(
        username="pa", password="x", roles=[Role.PROCESS_ADMIN], actor=job_actor
    )
    assert user.is_staff
    assert not user.is_superuser


def test_user_create_refuses_a_taken_username_and_writes_nothing(job_actor):
    user_create(username="ada", password="x", roles=[], actor=job_actor)
    with pytest.raises(ValidationFailed, match="taken"):
        user_create(username="ada", password="y", roles=[], actor=job_actor)
    from django.contrib.auth.models import User

    assert User.objects.filter(username="ada").count() == 1


def test_work_group_create_and_member_add_are_audited(job_actor, make_user):
    from ordermgmt.services import work_group_create, work_group_member_add

    lead, member = make_user("lead"), make_user("member")
    group = work_group_create(
        code="approvers", name="Approvers", manager_id=lead.pk, actor=job_actor
    )
    work_group_member_add(group_id=group.pk, user_id=member.pk, actor=job_actor)

    assert list(group.members.all()) == [member]
    assert [e.action for e in audit_history(subject=group)] == [
        "work_group.created",
        "work_group.member_added",
    ]


def test_work_group_member_add_refuses_unknown_users(job_actor):
    from ordermgmt.exceptions import NotFound
    from ordermgmt.services import work_group_create, work_group_member_add

    group = work_group_create(code="g", name="G", actor=job_actor)
    with pytest.raises(NotFound):
        work_group_member_add(group_id=group.pk, user_id=9999, actor=job_actor)
