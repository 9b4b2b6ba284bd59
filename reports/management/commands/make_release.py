"""Make a citable release of the published data (README, "Releases and citation")."""

from django.core.management.base import BaseCommand, CommandError

from reports import releases


class Command(BaseCommand):
    help = "Write an immutable, dated release of the published data under RELEASES_DIR, called NAME."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The release's name, e.g. 2026-12 (letters, digits, '.', '_', '-').")

    def handle(self, *args, name, **options):
        try:
            release = releases.make_release(name)
        except releases.ReleaseError as error:
            raise CommandError(str(error)) from error
        changelog = release.changelog
        self.stdout.write(
            f"Release {release.name}: {release.manifest['counts']['incidents']} incidents, {release.size} bytes, "
            f"in {release.path}. Since {changelog['previous'] or 'the start'}: {changelog['added']} added, "
            f"{changelog['changed']} changed, {changelog['retracted']} retracted."
        )
