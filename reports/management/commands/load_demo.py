from django.core.management.base import BaseCommand, CommandError

from reports.devdata import demo


class Command(BaseCommand):
    help = (
        "Load the small fictional demo data set (codes DEMO-…). Refuses when the database holds real "
        "incidents, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even beside real incidents.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Quietly do nothing when the database already has incidents."
        )
        parser.add_argument(
            "--with-users", action="store_true", help="Also create demo staff users and print their passwords once."
        )

    def handle(self, *args, force, if_empty, with_users, **options):
        self.load_data(force, if_empty)
        if with_users:
            self.create_users()

    def load_data(self, force, if_empty):
        if demo.demo_loaded():
            self.stdout.write("Demo data is already loaded.")
            return
        if demo.real_data_present() and not force:
            if if_empty:
                self.stdout.write("The database already has incidents: demo data not loaded.")
                return
            raise CommandError(
                "The database already holds real incidents: refusing to mix fictional demo data into it. "
                "Use --force if you really mean to."
            )
        count = demo.load_demo_data()
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} fictional demo incidents."))

    def create_users(self):
        created = demo.create_demo_users()
        if not created:
            self.stdout.write(
                "Demo users exist already (reset a password with `manage.py create_user NAME --role ROLE`)."
            )
            return
        self.stdout.write(self.style.WARNING("Demo users for this local copy; the passwords are not shown again:"))
        for username, role, password in created:
            self.stdout.write(f"  {role:<9} {username:<14} {password}")
