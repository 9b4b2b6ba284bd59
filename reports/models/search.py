"""The text an incident is searched by, and the one rule that makes a reader's query and the stored text
comparable: both pass through `normalize_search_text`, so a query matches whenever its normal form is part of
an incident's (a substring match, which a trigram index serves on PostgreSQL). Incidents store their normal form
(Incident.search_text): a change to these rules needs a migration that fills it again, as 0030 does."""

import re

# Vowel marks (fathatan to sukun, and the superscript alef) and the tatweel that stretches a word: writers add
# them or not as they please, and none changes which word is meant.
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
LETTER_VARIANTS = str.maketrans(
    {
        # Hamza on or under alef, madda, wasla: spelled with a plain alef as often as not.
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        # Ta marbuta is written as ha, alef maqsura as ya, in much typed Arabic (الرقة / الرقه, ى / ي).
        "\u0629": "\u0647",
        "\u0649": "\u064a",
    }
)
# The article "ال" at the start of a word that keeps at least two letters without it: place names are written
# with or without it (الموصل / موصل). Two letters spare short words that merely begin with those letters.
# A conjunction before the article (والموصل) needs no rule: the word without it still contains "موصل".
# Repeated articles go in one pass (الالوان → وان), so that a long run of them costs one scan, not one per article.
ARTICLE = re.compile(r"(?<!\w)(?:\u0627\u0644)+(?=[\u0621-\u064a]{2})")
SEARCHED_FIELDS = ("code", "place_name", "place_name_ar", "title", "summary")


def normalize_search_text(text):
    """`text` in the form searches compare: casefolded (English in any case), Arabic without vowel marks or
    tatweel, with one alef, ta marbuta as ha, alef maqsura as ya, without the article, and with each run of
    whitespace as one space. Applying it twice changes nothing."""
    text = ARABIC_MARKS.sub("", text.casefold()).translate(LETTER_VARIANTS)
    return " ".join(ARTICLE.sub("", text).split())


def search_text_of(*parts):
    """The stored search text of an incident's SEARCHED_FIELDS values: each normalised, one per line, so that
    a query (which has no line breaks) never matches across two fields."""
    return "\n".join(normalize_search_text(part or "") for part in parts)
