"""Read the bibliographic identity of journal entries: DOI, PMID, PMCID, trials.

Journal, preprint and PubMed feeds say what paper an entry is in many places
(``prism:doi``, ``dc:identifier``, ``doi.org`` links, "PMID: 123" in the text).
This module gathers them into one ``ArticleInfo`` with normalised values, so
identity can match the same paper across publishers, and lists the other DOIs
an entry cites (a news story about a paper, an erratum naming what it corrects).
Authors too: a feed's and an article page's byline follow one rule (``byline``),
an RSS author's "email (Name)" or "Name | email" gives its name whatever the address
(``entry_authors``),
and a citation tag's "Last, First" reads first name first (``given_name_first``).
It does not decide whether two entries are the same item, and it never looks
anything up online.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import unquote

from aggregator.records import ArticleInfo

# A DOI is "10.<registrant>/<suffix>"; the suffix may hold almost anything, so
# we stop at whitespace, quotes, angle brackets and the URL query/fragment.
_DOI_RE = re.compile(r"10\.\d{4,9}/[^\s\"'<>?#&]+")
_DOI_TRAILING = ".,;:)]}'\""
# What a landing page's URL adds after the DOI, and the registrants whose pages add a
# version ("10.1101/743294v2": bioRxiv and medRxiv).
_LANDING = re.compile(
    r"(?:[./](?:full|abstract|pdf|epdf|fulltext|short|summary|html|supplementary-material))+$",
    re.IGNORECASE,
)
_PREPRINTS = ("10.1101/",)
_VERSION = re.compile(r"v\d+$")
# A DOI the entry's own text labels as its own ("DOI: 10.1/x", as PubMed ends each
# summary), not one it cites.
_OWN_DOI_RE = re.compile(r"\bdoi:\s*((?:https?://(?:dx\.)?doi\.org/)?10\.\S+)", re.IGNORECASE)
_PMID_URL_RE = re.compile(
    r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})\b|ncbi\.nlm\.nih\.gov/pubmed/(\d{1,9})\b"
)
_PMID_TEXT_RE = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_PMCID_RE = re.compile(r"\bPMC\d{4,9}\b")
_NCT_RE = re.compile(r"\bNCT\d{8}\b")
BYLINE_NAMES = 3  # a byline names this many authors at most, else the first "et al."
# What may follow a name's comma that is no given name: "Smith, Jr.", "Smith, MD".
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "md", "phd", "mph", "mbbs", "rn"})
_NOTICE_TYPES = (
    ("expression of concern", "Expression of Concern"),
    ("retraction", "Retraction"),
    ("retracted", "Retraction"),
    ("erratum", "Erratum"),
    ("errata", "Erratum"),
    ("corrections", "Correction"),
    ("correction", "Correction"),
    ("corrigendum", "Correction"),
)


def normalize_doi(value: str | None) -> str | None:
    """``https://doi.org/10.1/X?af=R.`` -> ``10.1/x``; None when there is no DOI in it.

    A DOI in a URL may be percent-encoded (``10.1056%2FNEJMoa…``) and followed by the
    landing page's own path (``…/full``, ``.full.pdf``, bioRxiv's version ``v2``):
    the DOI is the same paper's whichever page a feed links to.
    """
    if not value or "10." not in value:
        return None
    url = "://" in value
    if "%" in value:
        value = unquote(value)
    match = next(
        (
            m
            for m in _DOI_RE.finditer(value)
            if m.start() == 0 or not value[m.start() - 1].isalnum()
        ),
        None,
    )
    if match is None:
        return None
    doi = match.group(0).rstrip(_DOI_TRAILING)
    # A closing parenthesis belongs to the DOI only when it also opened one in it.
    while doi.endswith(")") and doi.count("(") < doi.count(")"):
        doi = doi[:-1]
    if url:
        doi = _LANDING.sub("", doi)
        if doi.startswith(_PREPRINTS):
            doi = _VERSION.sub("", doi)
    return doi.lower() if "/" in doi[:-1] else None


def _own_doi(text: str, title: str) -> str | None:
    """The DOI the entry's text gives as its own, labelled "DOI:": any other DOI in it
    is one it cites, and a notice's ("Correction to: …") names the paper it corrects,
    which would otherwise take the notice in as a copy of the paper."""
    if not text or notice_type(title) is not None:
        return None
    return find_doi(match.group(1) for match in _OWN_DOI_RE.finditer(text))


def find_doi(candidates: Iterable[str | None]) -> str | None:
    """The first DOI among the places a feed may put one, most explicit first."""
    for candidate in candidates:
        doi = normalize_doi(candidate)
        if doi:
            return doi
    return None


def find_pmid(urls: Iterable[str | None], text: str) -> str | None:
    # The substring tests skip the regex on the (long) texts that cannot match.
    for url in urls:
        if url and "pubmed" in url:
            match = _PMID_URL_RE.search(url)
            if match:
                return match.group(1) or match.group(2)
    match = _PMID_TEXT_RE.search(text) if "PMID" in text else None
    return match.group(1) if match else None


def find_pmcid(urls: Iterable[str | None], text: str) -> str | None:
    for haystack in (*urls, text):
        if haystack and "PMC" in haystack:
            match = _PMCID_RE.search(haystack)
            if match:
                return match.group(0)
    return None


def find_ncts(text: str) -> tuple[str, ...]:
    """Every trial number cited, in order of first mention."""
    if "NCT" not in text:
        return ()
    return tuple(dict.fromkeys(_NCT_RE.findall(text)))


def find_dois(*texts: str) -> tuple[str, ...]:
    """Every DOI mentioned, normalised, in order of first mention."""
    found: dict[str, None] = {}
    for text in texts:
        if "10." not in text:
            continue
        for match in _DOI_RE.finditer(text):
            start = match.start()
            if start and text[start - 1].isalnum():
                continue
            doi = normalize_doi(match.group(0))
            if doi:
                found.setdefault(doi)
    return tuple(found)


def notice_type(title: str) -> str | None:
    """Erratum, correction, retraction or expression of concern, judged by the title's start."""
    lowered = title.lstrip().lower()
    for prefix, label in _NOTICE_TYPES:
        # A whole word: "Corrections" and "Correction:" are notices, "Correctional care" is not.
        if lowered.startswith(prefix) and not lowered[len(prefix) : len(prefix) + 1].isalpha():
            return label
    return None


def publication_type(
    *,
    declared: str | None,
    section: str | None = None,
    categories: Iterable[str] = (),
    title: str = "",
) -> str | None:
    """The entry's publication type; a correction or retraction notice wins wherever it is said.

    Publishers say "this is an erratum" in ``dc:type``, in ``prism:section``,
    in a category or only in the title; whichever says it, the entry is a
    notice about another paper. Otherwise the declared type, else the journal
    section ("Original Article").
    """
    for value in (declared, section, *categories, title):
        notice = notice_type(value) if value else None
        if notice:
            return notice
    return declared or section


def article_info(
    *,
    explicit_dois: Iterable[str | None],
    urls: Iterable[str | None],
    text: str,
    markup: str = "",
    title: str,
    journal: str | None,
    authors: tuple[str, ...],
    pub_type: str | None,
    ids_from_text: bool,
) -> ArticleInfo | None:
    """Assemble an ArticleInfo, or None when the entry carries no scholarly marker at all.

    ``text`` is the entry's plain title, summary and content. DOIs and PubMed
    ids are taken from it only when ``ids_from_text`` (journal feeds): in a
    news story they are citations of another paper, and treating them as the
    story's own would merge the story with the paper. Every DOI in the text or
    in the links of ``markup`` (its sanitized HTML) other than the entry's own
    is a citation, whatever the kind: "covers: …", or "corrects: …".
    """
    url_list = [url for url in urls if url]
    id_text = text if ids_from_text else ""
    doi = find_doi([*explicit_dois, *url_list]) or _own_doi(id_text, title)
    pmid = find_pmid(url_list, id_text)
    pmcid = find_pmcid(url_list, id_text)
    ncts = find_ncts(text)
    cites = tuple(cited for cited in find_dois(text, markup) if cited != doi)
    kind = pub_type or notice_type(title)
    if not (doi or pmid or pmcid or ncts or cites or kind):
        return None
    return ArticleInfo(
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        nct=ncts,
        journal=journal,
        authors=authors,
        pub_type=kind,
        cites=cites,
    )


def entry_authors(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Every named author of a feedparser entry (``dc:creator`` repeats become a list)."""
    names: list[str] = []
    details = [author for author in entry.get("authors") or () if isinstance(author, Mapping)]
    for index, author in enumerate(details):
        last = index == len(details) - 1
        try:
            found = (
                _written_names(author, entry.get("author")) if last else [_rejoined_name(author)]
            )
        except RecursionError:  # the email parsers recurse into each "(" of nested comments
            found = [author.get("name")]
        names.extend(" ".join(name.split()) for name in found if isinstance(name, str))
    names = [name for name in names if name]
    if not names and isinstance(entry.get("author"), str) and entry["author"].strip():
        names.append(" ".join(entry["author"].split()))
    return tuple(dict.fromkeys(name for listed in names for name in _listed_names(listed)))


def _written_names(detail: Mapping[str, Any], written: Any) -> list[Any]:
    """The name of an entry's last author, read from its text when feedparser split it;
    each name of a list of addressed authors ("a@b.org (Ann), c@d.org (Jo)", "Ann <a@b.org>,
    Jo <c@d.org>"), of which feedparser and parseaddr read the first only.

    feedparser splits an RSS author's text ("email (Name)", "Name <email>") with a
    pattern that takes a top-level domain of two to four ASCII letters: "a@b.example (Ann)"
    came out as the name "ple (Ann" and the address "a@b.exam", and "a@b.рф (Ann)" as the
    name, whole. The entry keeps the text of its last author as written, and
    ``email.utils.parseaddr`` reads it whatever the domain; "Ann | email" is split at its
    bar (``_addressed_name``). An Atom author (name and email elements) is kept: its text
    is feedparser's own "name (email)". Only a name is returned; an address only when it
    names nobody, as feedparser's text of an address alone always was.
    """
    name, email = detail.get("name"), detail.get("email")
    if not (isinstance(written, str) and "@" in written):
        return [name]
    if email and written.strip() in (email, f"{name} ({email})"):
        return [name or email]
    listed = getaddresses([written]) if "," in written else []
    if len(listed) > 1 and all(_is_address(address) for _, address in listed):
        return [named.strip() or address for named, address in listed]
    return [_addressed_name(written) or name]


def _rejoined_name(detail: Mapping[str, Any]) -> Any:
    """The name of an author before the entry's last, whose text feedparser did not keep.

    Where its pattern found no address (a domain in another script), the name is the
    whole text. Where it cut an address short (a last label of four letters, the most it
    takes), the rest of the address is left in the name, lower case, at its start or
    after "<", "(" or "|": "ple (Ann", "Ann <ital>", "um". Where the text was "Ann | email",
    the bar is left at the name's edge. The text is put back together and read again, as
    ``_written_names`` reads a whole one.
    """
    name, email = detail.get("name"), detail.get("email")
    if not isinstance(name, str):
        return name
    if not isinstance(email, str):
        return (_addressed_name(name) if "@" in name else None) or name
    bare = name.strip()
    if bare.endswith("|") or bare.startswith("|"):
        halves = (bare, email) if bare.endswith("|") else (email, bare)
        return _addressed_name(" ".join(halves)) or name
    label = email.rpartition(".")[2]
    if not (len(label) == 4 and label.isascii() and label.isalpha()):
        return name
    for at in (0, *(_after(name, index) for index, char in enumerate(name) if char in "<(|")):
        if name[at : at + 1].islower():
            return _addressed_name(name[:at] + email + name[at:]) or name
    return name


def _after(text: str, index: int) -> int:
    """Where the text after ``text[index]`` starts, past spaces."""
    return len(text) - len(text[index + 1 :].lstrip(" "))


def _addressed_name(written: str) -> str | None:
    """The name in "email (Name)", "Name <email>", "Name (email)", "Name | email", else the
    address of "email" alone; None when no address is found in the text."""
    parts = [part.strip() for part in written.split("|")]
    written_parts = [part for part in parts if part]  # "| a@b.org": a template's empty name
    named = [part for part in written_parts if not _is_address(part.strip("<>"))]
    if len(parts) > 1 and len(named) < len(written_parts):  # "Ann | a@b.org", "a@b.org | c@d.org"
        return " | ".join(named or written_parts)
    name, address = parseaddr(written)
    if _is_address(address):
        return name.strip() or address
    if _is_address(name):  # "Name (email)": parseaddr reads the comment as the name
        return written.partition("(")[0].strip() or name
    return None


def _is_address(text: str) -> bool:
    """Whether ``text`` is one e-mail address with a dotted domain, as
    ``email.headerregistry`` reads one: in any script (a local part outside ASCII is
    checked as ASCII: the registry refuses those, which feeds do write), no "|" (two
    addresses run together: "a@b.org|c@d.org", parseaddr's reading of "a@b.org | c@d.org")
    and no comment or spaces."""
    local, at, domain = text.rpartition("@")
    if not (local and at and "." in domain.strip(".")) or "|" in text:
        return False
    spec = f"{local if local.isascii() else 'x'}@{domain}"
    try:
        return bool(Address(addr_spec=spec).addr_spec == spec)
    except (ValueError, HeaderParseError):
        return False


# "Kaur, M., Shukla, A., Pandey, A. K." (bioRxiv and medRxiv give all the authors in one
# dc:creator): a surname, then initials (hyphenated ones too: "Plaumann, P.-L.").
_INITIALS_LIST = re.compile(r"(?:[^,]+,\s*(?:[A-Z]\.(?:-[A-Z]\.)?\s*)+(?:,\s*|$))+")
_ONE_NAME = re.compile(r"\s*([^,]+,\s*(?:[A-Z]\.(?:-[A-Z]\.)?\s*)+)(?:,|$)")


def _listed_names(name: str) -> list[str]:
    """One author's name, or each of a list of "Surname, I." names given as one."""
    if _INITIALS_LIST.fullmatch(name) and len(_ONE_NAME.findall(name)) > 1:
        return [found.strip() for found in _ONE_NAME.findall(name)]
    return [name]


def byline(names: Sequence[str]) -> str | None:
    """The byline: up to three names, then "et al." (journal entries list dozens)."""
    if len(names) > BYLINE_NAMES:
        return f"{names[0]} et al."
    return ", ".join(names) or None


def given_name_first(name: str) -> str:
    """ "Smith, Jane" -> "Jane Smith": one author as a citation meta tag gives it
    (``citation_author``, ``dc.creator``); a name with no comma, or more than one, or a
    suffix after it ("Smith, Jr."), is kept as written."""
    written = " ".join(name.split())
    surname, comma, given = written.partition(",")
    surname, given = surname.strip(), given.strip()
    if not (comma and surname and given) or "," in given:
        return written
    if given.replace(".", "").lower() in _NAME_SUFFIXES:
        return written
    return f"{given} {surname}"
