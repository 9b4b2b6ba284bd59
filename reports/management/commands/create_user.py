import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports.roles import ROLE_GROUPS, create_user_in_role

PASSWORD_VARIABLE = "CREATE_USER_PASSWORD"  # noqa: S105 (a variable name, not a password)  # nosec B105


class Command(BaseCommand):
    help = (
        "Create a staff user in a role, or update an existing user's role and password. The password is "
        f"read from ${PASSWORD_VARIABLE} if set, otherwise asked for at the prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS))

    def handle(self, *args, username, role, **options):
        password = os.environ.get(PASSWORD_VARIABLE) or self.ask_password()
        try:
            user, created = create_user_in_role(username, role, password)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from error
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {user.username} as {role}."))

    def ask_password(self):
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt) as error:
            raise CommandError(f"No password given: set ${PASSWORD_VARIABLE} or run interactively.") from error
        if password != again:
            raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError("The password is empty.")
        return password
