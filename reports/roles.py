"""The three staff roles. The Analyst and Reviewer groups and their permissions are created by the data
migration `0002_reference_data_and_roles`; an admin is a superuser."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

ANALYST_GROUP = "Analyst"
REVIEWER_GROUP = "Reviewer"
ROLE_GROUPS = {"analyst": ANALYST_GROUP, "reviewer": REVIEWER_GROUP, "admin": None}


@transaction.atomic
def create_user_in_role(username, role, password):
    """Create the user, or update an existing one, as staff in `role`. Returns (user, created).

    The password must pass the project's password validators (ValidationError otherwise).
    """
    if role not in ROLE_GROUPS:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(ROLE_GROUPS)}.")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    validate_password(password, user=user or user_model(username=username))
    created = user is None
    if created:
        user = user_model(username=username)
    user.is_active = True
    user.is_staff = True  # every role works in the admin
    user.is_superuser = role == "admin"
    user.set_password(password)
    user.save()
    group_name = ROLE_GROUPS[role]
    user.groups.set([Group.objects.get(name=group_name)] if group_name else [])
    return user, created
