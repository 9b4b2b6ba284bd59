""" "Cite this": a citation of the dataset, or of one incident in it, as BibTeX, RIS and CSL-JSON. It names the
permalink, the latest release (the version a reader can get again later, unchanged) and the access date."""

import dataclasses
import datetime
import json
import re

from django.conf import settings

from reports import releases

BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


@dataclasses.dataclass(frozen=True)
class Citation:
    key: str  # the BibTeX key and CSL id
    title: str
    url: str  # the permalink
    releases_url: str  # the page with every release's files
    accessed: datetime.date
    release: object = None  # releases.Release, or None before the first

    @property
    def author(self):
        return settings.CITATION_AUTHOR

    @property
    def issued(self):
        """The release's date when there is one (what the citation points at), else the access date."""
        return self.release.created_at.date() if self.release else self.accessed

    @property
    def note(self):
        if self.release is None:
            return f"No release yet: the live data, accessed {self.accessed.isoformat()}."
        return (
            f"Release {self.release.name} of {self.issued.isoformat()}, "
            f"at {self.releases_url}; accessed {self.accessed.isoformat()}."
        )


def of_dataset(url, releases_url, accessed):
    return Citation("casualties", settings.CITATION_TITLE, url, releases_url, accessed, releases.latest_release())


def of_incident(incident, url, releases_url, accessed):
    title = f"{incident.code}: {incident.title}" if incident.title else incident.code
    title = f"{title}. In: {settings.CITATION_TITLE}"
    key = re.sub(r"[^A-Za-z0-9]", "_", f"casualties_{incident.code}")
    return Citation(key, title, url, releases_url, accessed, releases.latest_release())


def one_line(text):
    return " ".join(str(text).split())


def bibtex_text(text):
    return BIBTEX_SPECIAL.sub(r"\\\1", one_line(text))


def as_bibtex(citation):
    fields = {
        "title": "{" + bibtex_text(citation.title) + "}",  # kept as written: BibTeX styles change a title's case
        "author": "{" + bibtex_text(citation.author) + "}",  # a body, not a "Last, First" person
        "year": str(citation.issued.year),
        "month": str(citation.issued.month),
        "version": bibtex_text(citation.release.name) if citation.release else "",
        "url": one_line(citation.url).replace("}", "%7D").replace("{", "%7B"),
        "urldate": citation.accessed.isoformat(),
        "note": bibtex_text(citation.note),
    }
    lines = [f"  {name} = {{{value}}}," for name, value in fields.items() if value]
    return "@misc{" + citation.key + ",\n" + "\n".join(lines) + "\n}\n"


def as_ris(citation):
    tags = [
        ("TY", "DATA"),
        ("TI", citation.title),
        ("AU", citation.author),
        ("PY", str(citation.issued.year)),
        ("DA", citation.issued.strftime("%Y/%m/%d")),
        ("ET", citation.release.name if citation.release else ""),
        ("UR", citation.url),
        ("Y2", citation.accessed.strftime("%Y/%m/%d")),  # the access date, as reference managers read it
        ("N1", citation.note),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {one_line(value)}\r\n" for tag, value in tags if value or tag == "ER")


def date_parts(day):
    return {"date-parts": [[day.year, day.month, day.day]]}


def as_csl_json(citation):
    item = {
        "id": citation.key,
        "type": "dataset",
        "title": citation.title,
        "author": [{"literal": citation.author}],
        "publisher": citation.author,
        "URL": citation.url,
        "issued": date_parts(citation.issued),
        "accessed": date_parts(citation.accessed),
        "note": citation.note,
    }
    if citation.release:
        item["version"] = citation.release.name
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


FORMATS = {
    "bib": (as_bibtex, "application/x-bibtex; charset=utf-8"),
    "ris": (as_ris, "application/x-research-info-systems; charset=utf-8"),
    "json": (as_csl_json, "application/vnd.citationstyles.csl+json; charset=utf-8"),
}
