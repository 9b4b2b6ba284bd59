"""Reading cells: text to the Python value of a model field, or a `BadValue` saying why it cannot be one.

Only what a cell must be to be read at all (a date, a number, text PostgreSQL can store, a count every database
can) is checked here; whether the model takes the value (its choices, lengths, ranges, dates in the future) is
the models' to say, through the writer's checks (reports.importing.writer.Checks)."""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.db import models

from reports.importing.report import ImportFileError
from reports.models.vocabulary import LARGEST_COUNT

TRUE_WORDS = {"1", "yes", "y", "true"}
FALSE_WORDS = {"0", "no", "n", "false"}


class BadValue(ValueError):
    """A cell that cannot become the field's value; its message is the report's reason."""


def convert(field, text, date_format=None):
    """`text` (already stripped; "" is unknown) as a value of `field`."""
    if text == "":
        return None if field.null or not isinstance(field, models.CharField | models.TextField) else ""
    if "\x00" in text:
        raise BadValue(f"{field.name} holds a NUL character")  # PostgreSQL stores no text with one
    if isinstance(field, models.DateField):
        return parse_date(text, date_format)
    if isinstance(field, models.DecimalField):
        return parse_decimal(text, field.decimal_places)
    if isinstance(field, models.IntegerField):
        return parse_count(text)
    if isinstance(field, models.BooleanField):
        return parse_flag(text)
    return text


def parse_date(text, date_format=None):
    try:
        if date_format:
            date = datetime.datetime.strptime(text, date_format).date()
        else:
            date = datetime.date.fromisoformat(text)
    except ValueError:
        raise BadValue(f"unreadable date {text!r}") from None
    return date


def parse_decimal(text, places=6):
    try:
        number = Decimal(text).quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise BadValue(f"unreadable number {text!r}") from None
    if not number.is_finite():
        raise BadValue(f"unreadable number {text!r}")
    return number


def parse_count(text):
    try:
        number = int(text)
    except ValueError:
        raise BadValue(f"unreadable count {text!r}") from None
    if abs(number) > LARGEST_COUNT:
        raise BadValue(f"count {number} too large")
    return number


def parse_flag(text):
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadValue(f"unknown yes/no value {text!r}")


def read_csv(file, required, name):
    """(header, rows) of an uploaded or opened CSV; rows are (row number, dict of stripped cells). Stops at once,
    naming them, if columns are missing."""
    try:
        text = file.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{name} is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = reader.fieldnames or []
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportFileError(f"{name} is missing columns: {', '.join(missing)}.")
    try:
        rows = [
            (number, {key: (value or "").strip() for key, value in row.items() if key is not None})
            for number, row in enumerate(reader, start=2)
        ]
    except csv.Error as error:
        raise ImportFileError(f"{name} is not a readable CSV file: {error}.") from None
    return header, rows
