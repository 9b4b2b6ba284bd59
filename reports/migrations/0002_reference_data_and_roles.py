"""Reference tables every installation starts with (DOMAIN.md's belligerents, the coalition's official
assessor, Airwars), and the Analyst and Reviewer groups with their permissions.

The permission lists are frozen here on purpose: a migration must mean the same thing forever.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BELLIGERENTS = [
    ("US-led coalition", "us-led-coalition"),
    ("Russian military", "russian-military"),
    ("Syrian regime", "syrian-regime"),
    ("Turkish military", "turkish-military"),
    ("Israeli military", "israeli-military"),
    ("Iranian military", "iranian-military"),
    ("SDF/YPG", "sdf-ypg"),
    ("Islamic State", "islamic-state"),
    ("Unknown", "unknown"),
]
ASSESSORS = [
    # (name, slug, kind, slug of the belligerent it speaks for, website)
    ("CJTF-OIR", "cjtf-oir", "official", "us-led-coalition", "https://www.inherentresolve.mil/"),
    ("Airwars", "airwars", "monitor", None, "https://airwars.org/"),
]
STRIKE_TYPES = [
    ("Airstrike", "airstrike"),
    ("Drone strike", "drone-strike"),
    ("Artillery", "artillery"),
    ("Airstrike and/or artillery", "airstrike-or-artillery"),
    ("Ground operation", "ground-operation"),
    ("Counter-terrorism action (ground)", "counter-terrorism-ground"),
    ("Naval bombardment", "naval-bombardment"),
]

RECORDS = ["incident", "incidentbelligerent", "assessment", "source", "officialstatement"]
REFERENCE = ["belligerent", "assessor", "striketype"]
ANALYST_PERMISSIONS = (
    [f"view_{model}" for model in RECORDS + REFERENCE]
    + [f"add_{model}" for model in RECORDS]
    + [f"change_{model}" for model in RECORDS]
    # removing a wrong row of one's own draft (the incident itself is never deleted, only retracted)
    + ["delete_incidentbelligerent", "delete_assessment", "delete_source"]
)
REVIEWER_PERMISSIONS = (
    ANALYST_PERMISSIONS
    + ["review_incident", "delete_officialstatement"]
    + [f"{action}_{model}" for action in ("add", "change") for model in REFERENCE]
)


def create_reference_data(apps, schema_editor):
    Belligerent = apps.get_model("reports", "Belligerent")
    Assessor = apps.get_model("reports", "Assessor")
    StrikeType = apps.get_model("reports", "StrikeType")
    for name, slug in BELLIGERENTS:
        Belligerent.objects.get_or_create(slug=slug, defaults={"name": name})
    for name, slug, kind, belligerent_slug, url in ASSESSORS:
        belligerent = Belligerent.objects.get(slug=belligerent_slug) if belligerent_slug else None
        Assessor.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "belligerent": belligerent, "url": url}
        )
    for name, slug in STRIKE_TYPES:
        StrikeType.objects.get_or_create(slug=slug, defaults={"name": name})


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so groups can use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in [("Analyst", ANALYST_PERMISSIONS), ("Reviewer", REVIEWER_PERMISSIONS)]:
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = Permission.objects.filter(content_type__app_label="reports", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for group {group_name}: {sorted(missing)}")
        group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_reference_data, migrations.RunPython.noop),
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
