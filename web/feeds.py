"""The combined stream as Atom 1.0 and JSON Feed 1.1, and upcoming conferences as iCalendar.

Each specialty has its own Atom feed (``/specialties/<slug>/feed.atom``).

One entry per story (unless ``stories=0``), newest first; ``limit`` and
``before`` page through it, and the next page is linked (``rel="next"`` /
``next_url``). Atom is built with ``xml.etree`` and the calendar with the
``icalendar`` package, so escaping is never by hand. ``/sources.opml`` lists
the enabled sources as OPML (``aggregator.opml``). ``/conferences.ics`` holds
every conference that has not ended (an ongoing one until its end), for a
reader's calendar to subscribe to, as ``web.icsexport`` writes it: a recurring
series keeps its RRULE, from its next occurrence on, in its own time zone, with
an override VEVENT for each occurrence its calendar moved. A cancelled or
postponed event is left out, as the store's calendar leaves it out: clients
mirror a subscribed calendar, so it disappears from theirs at the next poll,
which a STATUS:CANCELLED copy would not do everywhere (Outlook shows one as if
it were on). A tentative one says STATUS:TENTATIVE. It reads
through the store and formats; nothing else.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, get_template_attribute, request, url_for
from icalendar import Calendar, vDuration
from markupsafe import escape

from aggregator.opml import export_opml
from aggregator.records import Page, StoredItem, StoredItemRef
from aggregator.sanitize import html_to_text, xml_safe

from .context import specialties, specialty_or_404, state
from .eventtime import upcoming
from .exposure import public_source
from .hosts import site_host, this_url
from .http import conditional, conditional_on_body
from .icsexport import conference_vevents
from .params import feed_filters, feed_wanted, link_args, list_query
from .present import SECTION_TITLES, iso, label_text, media_url, other_sources, web_link
from .serialize import item_json

blueprint = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 50
TITLE = "medfeed — medical news, articles, conferences and videos"
KIND_SCHEME = "urn:medfeed:kind"  # an entry's kind (news, article, conference, video)
LABEL_SCHEME = "urn:medfeed:label"  # its source's label (journal, society, news ...)
CALENDAR_NAME = "medfeed: upcoming conferences"
CALENDAR_REFRESH = timedelta(hours=1)  # how often subscribed calendar clients should poll
CALENDAR_PARTS = {"upcoming": "upcoming, soonest first", "past": "past events"}  # ?when=


def _page(specialty: str | None = None) -> Page:
    query = list_query(request.args, default_limit=FEED_LIMIT, calendar=False)
    args = query.store_args()
    if specialty is not None:
        args["specialty"] = specialty
    return state().store.list_items(**args, now=datetime.now(UTC))


def _next_url(endpoint: str, page: Page) -> str | None:
    if page.next is None:
        return None
    args = link_args("before")
    return url_for(endpoint, **args, **(request.view_args or {}), before=page.next, _external=True)


@blueprint.get("/feed.atom")
@conditional
def atom() -> Response:
    return _atom(_page(), _title(), _feed_url("feeds.atom"), "pages.index")


def _feed_url(endpoint: str) -> str:
    """A feed's identity: its URL with its filters, so that ``/feed.atom?kind=video`` and
    ``/feed.atom`` are two feeds to a reader (an Atom id names one feed), whichever page."""
    return url_for(endpoint, **feed_filters(), **(request.view_args or {}), _external=True)


def _title(base: str = TITLE) -> str:
    """``base``, narrowed to what the filters hold: "medfeed — Videos · “measles”".

    A specialty is named as the site names it (``/specialties``, its own feed), not by
    its slug: a reader's list showed "medfeed — infectious-disease"; a slug outside the
    vocabulary (one an edit removed) keeps its slug."""
    wanted = feed_wanted()
    parts = [
        SECTION_TITLES[wanted.kind] if wanted.kind else "",
        specialties().get(wanted.specialty, wanted.specialty) if wanted.specialty else "",
        f"#{wanted.tag}" if wanted.tag else "",
        f"from {wanted.source}" if wanted.source else "",
        f"“{wanted.q}”" if wanted.q else "",
        CALENDAR_PARTS.get(wanted.when or "", ""),
    ]
    narrowed = " · ".join(part for part in parts if part)
    return f"medfeed — {narrowed}" if narrowed else base


# The page's <link rel="alternate"> is titled with the title of the feed it points to: a
# conference list titled its link "Upcoming conferences", a feed in announcement order.
blueprint.add_app_template_global(_title, "feed_title")


@blueprint.get("/specialties/<slug>/feed.atom")
@conditional
def specialty_atom(slug: str) -> Response:
    """One specialty's items: the combined feed narrowed to those tagged with it."""
    name = specialties().get(specialty_or_404(slug), slug)
    return _atom(
        _page(specialty=slug),
        f"medfeed — {name}",
        _feed_url("feeds.specialty_atom"),
        "pages.specialty",
    )


def _atom(page: Page, title: str, feed_id: str, html_endpoint: str) -> Response:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", iso(_newest(page)))
    _text(feed, "generator", "medfeed")
    _text(feed, "icon", url_for("pages.favicon", _external=True))
    _text(feed, "logo", url_for("static", filename="favicon.svg", _external=True))
    _link(feed, "self", this_url(), "application/atom+xml")
    html = url_for(html_endpoint, **feed_filters(), **(request.view_args or {}), _external=True)
    _link(feed, "alternate", html, "text/html")
    if next_url := _next_url(request.endpoint or "feeds.atom", page):
        _link(feed, "next", next_url, "application/atom+xml")
    for item in page.items:
        feed.append(_entry(item))
    _printable(feed)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def _entry(item: StoredItem) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    permalink = url_for("pages.item", item_id=item.id, _external=True)
    _text(entry, "id", permalink)
    _text(entry, "title", item.title, type="text")
    _link(entry, "alternate", web_link(item.url) or permalink, "text/html")
    _link(entry, "related", permalink, "text/html")
    _text(entry, "published", iso(item.published))
    _text(entry, "updated", iso(item.updated or item.published))
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", item.author or item.source.name)
    # Schemes tell a reader the kind "news" from the label "news" (both were plain categories).
    ET.SubElement(entry, f"{{{ATOM}}}category", term=item.kind.value,
                  scheme=KIND_SCHEME, label=SECTION_TITLES[item.kind])  # fmt: skip
    ET.SubElement(entry, f"{{{ATOM}}}category", term=item.label.value,
                  scheme=LABEL_SCHEME, label=label_text(item.label))  # fmt: skip
    for tag in item.tags:
        ET.SubElement(entry, f"{{{ATOM}}}category", term=tag)
    for ref in item.also:  # the story's other outlets, for readers that follow links
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=_ref_url(ref),
                      type="text/html", title=f"{ref.title} ({ref.source.name})")  # fmt: skip
    event = _event_html(item)
    if item.summary or event:
        _text(entry, "summary", event + item.summary, type="html")
    if item.content or item.fulltext or other_sources(item):
        _text(entry, "content", event + item.body + _story_html(item), type="html")
    return entry


def _event_html(item: StoredItem) -> str:
    """A conference's dates (in its own zone), place, "online", series rule, status and
    page, as the page's ``event`` macro renders them: a feed reader shows the entry's
    text only, and an event without its dates is just a title. "" for other items."""
    if item.event is None:
        return ""
    return str(get_template_attribute("macros.html", "event")(item, link=True)).strip()


def _story_html(item: StoredItem) -> str:
    """ "Also from" under an entry's text, as on the page, with a link to each of the
    story's other items: a feed reader shows the entry's text, not the links beside it,
    and one entry stands for the whole story."""
    names = other_sources(item)
    if not names:
        return ""
    rows = "".join(
        f'<li><a href="{escape(_ref_url(ref))}">{escape(ref.title)}</a> — '
        f"{escape(ref.source.name)}</li>"
        for ref in item.also
    )
    also = f"<p>Also from {escape(', '.join(names))}</p>"
    return also + (f"<ul>{rows}</ul>" if rows else "")


def _ref_url(ref: StoredItemRef) -> str:
    return web_link(ref.url) or url_for("pages.item", item_id=ref.id, _external=True)


def _printable(tree: ET.Element) -> None:
    """Drop what XML cannot hold from every text and attribute: ElementTree writes a
    control character as it is, and one stored before the parse stage dropped them
    would make the whole document unreadable to every subscriber."""
    for element in tree.iter():
        if element.text:
            element.text = xml_safe(element.text)
        for name, value in element.attrib.items():
            element.set(name, xml_safe(value))


def _text(parent: ET.Element, name: str, value: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    element.text = value
    return element


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", rel=rel, href=href, type=media_type)


def _newest(page: Page) -> datetime:
    """Atom requires a feed-level updated time, even for an empty feed."""
    if not page.items:
        return state().store.generation_info().changed_at or datetime.now(UTC)
    return max(item.updated or item.published for item in page.items)


@blueprint.get("/feed.json")
@conditional
def json_feed() -> Response:
    page = _page()
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _title(),
        "home_page_url": url_for("pages.index", **feed_filters(), _external=True),
        "feed_url": _feed_url("feeds.json_feed"),
        "language": "en",
        "icon": url_for("static", filename="favicon.svg", _external=True),
        "favicon": url_for("pages.favicon", _external=True),
        "items": [_json_item(item) for item in page.items],
    }
    if next_url := _next_url("feeds.json_feed", page):
        feed["next_url"] = next_url
    return Response(
        json.dumps(feed, ensure_ascii=False), content_type="application/feed+json; charset=utf-8"
    )


def _json_item(item: StoredItem) -> dict[str, Any]:
    permalink = url_for("pages.item", item_id=item.id, _external=True)
    event = _event_html(item)
    entry: dict[str, Any] = {
        "id": permalink,
        "url": web_link(item.url) or permalink,
        "title": item.title,
        "content_html": event + item.body + _story_html(item),
        "summary": html_to_text(event + item.summary),
        "date_published": iso(item.published),
        "authors": [{"name": item.author or item.source.name}],
        "tags": list(item.tags),
        "_medfeed": item_json(item),
    }
    image = media_url(item, "image", external=True) or media_url(item, "thumbnail", external=True)
    if image:
        entry["image"] = image
    if item.updated:
        entry["date_modified"] = iso(item.updated)
    return entry


@blueprint.get("/sources.opml")
@conditional_on_body
def sources_opml() -> Response:
    """The enabled sources, for another reader to subscribe to (``aggregator.opml``): those
    whose address a visitor may see on ``/sources`` (``exposure``), the others left out."""
    medfeed = state()
    internals = medfeed.settings.admin.show_internals
    listed = [public_source(s, show_internals=internals) for s in medfeed.store.sources()]
    tags = {source.id: source.tags for source in medfeed.settings.sources}
    body = export_opml(listed, title="medfeed sources", tags=tags)
    return Response(body, content_type="text/x-opml; charset=utf-8")


@blueprint.get("/conferences.ics")
@conditional
def conferences_ics() -> Response:
    """Upcoming conferences as one calendar; clients poll it, so it says how often."""
    calendar = Calendar()
    calendar.add("prodid", "-//medfeed//upcoming conferences//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-caldesc", "Medical conferences, congresses and webinars not yet over")
    calendar.add("refresh-interval", CALENDAR_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(CALENDAR_REFRESH).to_ical().decode())
    host = site_host()
    for item in state().store.upcoming_conferences(datetime.now(UTC)):
        event = upcoming(item.event)
        if event is not None:
            for vevent in conference_vevents(item, event, host):
                calendar.add_component(vevent)
    calendar.add_missing_timezones()
    return Response(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
