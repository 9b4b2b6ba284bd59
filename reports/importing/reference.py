"""The reference rows an import may create (belligerents, assessors): they say who is blamed and who assesses,
so an import creates them only for a user who may add them in the admin. Every importer that creates one goes
through `create()` here."""

from django.core.exceptions import ValidationError

from reports.importing.report import ImportFileError


def may_create(user, model):
    """Whether an import by `user` may create rows of `model`: exactly who may add them in the admin (the model's
    add_ permission; reviewers and admins, not analysts). No user (a caller that did not say who imports) may."""
    options = model._meta
    return user is not None and user.has_perm(f"{options.app_label}.add_{options.model_name}")


def check_may_create(user, model, names, where):
    """Refuse, before anything is written, an import by `user` that needs the new rows `names` of `model`."""
    if names and not may_create(user, model):
        plural = str(model._meta.verbose_name_plural)
        raise ImportFileError(
            f"{where}: only users who may add {plural} may create them ({', '.join(names)}); ask an administrator "
            "to add them, or to run the import."
        )


def create(user, model, where, **fields):
    """A new row of `model`, checked as the admin checks one (unique name and slug, a valid kind, an http(s)
    website), or ImportFileError saying why not, prefixed with `where` (e.g. "mapping: create.assessors[0]")."""
    check_may_create(user, model, [fields.get("name", "?")], where)
    row = model(**fields)
    try:
        row.full_clean()
    except ValidationError as error:
        problems = [f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()]
        raise ImportFileError(f"{where}: {'; '.join(problems)}") from None
    row.save()
    return row
