"""Render the demo content (``demo/content``) into the feed files under ``demo/``.

Run from the repository root: ``.venv/bin/python demo/build.py``. The output is
deterministic (no "now"), and committed, so the demo needs nothing but the files;
re-run after editing the content. ``tests/test_demo_data.py`` checks that the
committed files are what this script writes. It writes files and does nothing
else: no network, no database.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from textwrap import wrap
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import icalendar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from content import events, journals, news, videos
from content.model import Article, Event, News, Video

DEMO = Path(__file__).resolve().parent
BUILT_AT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # the demo's "now", fixed

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def element(name: str, text: str | None, indent: int = 6, **attributes: str) -> str:
    """One escaped XML element on its own line, or nothing when ``text`` is None."""
    if text is None:
        return ""
    attrs = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    return f"{' ' * indent}<{name}{attrs}>{escape(text)}</{name}>\n"


def cdata(html: str) -> str:
    return f"<![CDATA[{html}]]>"


# --- news ----------------------------------------------------------------------------------


def rss_news(title: str, link: str, description: str, items: Iterable[News]) -> str:
    """RSS 2.0 as a typical CMS writes it: HTML descriptions in CDATA, dc:creator."""
    out = [
        XML_DECLARATION,
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">\n',
        "  <channel>\n",
        element("title", title, 4),
        element("link", link, 4),
        element("description", description, 4),
        element("language", "en-us", 4),
        element("lastBuildDate", rfc822(BUILT_AT), 4),
        f'    <atom:link href="{link}feed.xml" rel="self" type="application/rss+xml"/>\n',
    ]
    for item in sorted(items, key=lambda i: i.published, reverse=True):
        out.append("    <item>\n")
        out.append(element("title", item.title))
        out.append(element("link", item.url))
        out.append(element("guid", item.guid, isPermaLink="false"))
        out.append(element("pubDate", rfc822(item.published)))
        out.append(element("dc:creator", item.author))
        out.extend(element("category", category) for category in item.categories)
        out.append(f"      <description>{cdata(item.summary)}</description>\n")
        out.append("    </item>\n")
    out.append("  </channel>\n</rss>\n")
    return "".join(out)


def atom_news(title: str, link: str, subtitle: str, items: Iterable[News]) -> str:
    out = [
        XML_DECLARATION,
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">\n',
        element("id", link, 2),
        element("title", title, 2),
        element("subtitle", subtitle, 2),
        element("updated", rfc3339(BUILT_AT), 2),
        f'  <link rel="alternate" type="text/html" href="{link}"/>\n',
        f'  <link rel="self" type="application/atom+xml" href="{link}feed.atom"/>\n',
        element("rights", f"© 2026 {title}", 2),
    ]
    for item in sorted(items, key=lambda i: i.published, reverse=True):
        out.append("  <entry>\n")
        out.append(element("id", item.guid, 4))
        out.append(element("title", item.title, 4))
        out.append(f'    <link rel="alternate" type="text/html" href={quoteattr(item.url)}/>\n')
        out.append(element("published", rfc3339(item.published), 4))
        out.append(element("updated", rfc3339(item.published), 4))
        out.append(f"    <author><name>{escape(item.author or title)}</name></author>\n")
        out.extend(f"    <category term={quoteattr(c)}/>\n" for c in item.categories)
        out.append(element("summary", item.summary, 4, type="html"))
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out)


def json_feed_news(title: str, link: str, description: str, items: Iterable[News]) -> str:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": link,
        "feed_url": link + "feed.json",
        "description": description,
        "language": "en",
        "icon": "../thumbs/wardround-icon.svg",
        "items": [
            {
                "id": item.guid,
                "url": item.url,
                "title": item.title,
                "content_html": item.summary,
                "date_published": rfc3339(item.published),
                "authors": [{"name": item.author}] if item.author else [],
                "tags": list(item.categories),
                **({"image": item.image} if item.image else {}),
            }
            for item in sorted(items, key=lambda i: i.published, reverse=True)
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


# --- journals --------------------------------------------------------------------------


def rdf_toc(articles: Iterable[Article]) -> str:
    """RSS 1.0/RDF in the shape Atypon publishes journal TOCs: dc:, prism:, content:."""
    articles = list(articles)
    site = journals.SITE
    out = [
        XML_DECLARATION,
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">\n',
        f'  <channel rdf:about="{site}/action/showFeed?type=etoc&amp;feed=rss&amp;jc=nmj">\n',
        element("title", "Northern Medical Journal: Table of Contents", 4),
        element(
            "description",
            "Table of Contents for Northern Medical Journal. "
            "List of articles from both the latest and ahead of print issues.",
            4,
        ),
        element("link", f"{site}/toc/nmj/current?af=R", 4),
        element("dc:title", journals.NMJ, 4),
        element("dc:publisher", "Meridian Medical Press", 4),
        element("prism:publicationName", journals.NMJ, 4),
        "    <items>\n      <rdf:Seq>\n",
        *(f"        <rdf:li rdf:resource={quoteattr(a.url)}/>\n" for a in articles),
        "      </rdf:Seq>\n    </items>\n  </channel>\n",
    ]
    for article in articles:
        teaser = article.summary or first_paragraph(article.abstract)
        out.append(f"  <item rdf:about={quoteattr(article.url)}>\n")
        out.append(element("title", article.title, 4))
        out.append(element("link", article.url, 4))
        out.append(element("description", teaser, 4))
        out.append(f"    <content:encoded>{cdata(article.abstract)}</content:encoded>\n")
        out.append(prefixed("dc", "title", article.title))
        out.extend(prefixed("dc", "creator", author) for author in article.authors)
        out.append(prefixed("dc", "date", rfc3339(article.published)))
        out.append(prefixed("dc", "identifier", f"doi:{article.doi}"))
        out.append(prefixed("dc", "source", source_line(article)))
        out.append(prefixed("prism", "publicationName", article.journal))
        out.append(prefixed("prism", "doi", article.doi))
        out.append(prefixed("prism", "url", article.url))
        out.append(prefixed("prism", "volume", article.volume))
        out.append(prefixed("prism", "number", article.issue))
        out.append(prefixed("prism", "startingPage", article.first_page))
        out.append(prefixed("prism", "coverDate", article.published.date().isoformat()))
        out.append(prefixed("prism", "section", article.section))
        out.append("  </item>\n")
    out.append("</rdf:RDF>\n")
    return "".join(out)


def prefixed(prefix: str, name: str, text: str | None) -> str:
    return element(f"{prefix}:{name}", text, 4)


def first_paragraph(html: str) -> str:
    return html.split("</p>", 1)[0].removeprefix("<p>").replace("<b>", "").replace("</b>", "")


def source_line(article: Article) -> str:
    return (
        f"{article.journal}, Volume {article.volume}, Issue {article.issue}, "
        f"Page {article.first_page}-, {article.published:%B %Y}."
    )


def atom_online_first(articles: Iterable[Article]) -> str:
    """A publisher-wide Atom list of newly published articles, several journals mixed."""
    site = journals.SITE
    out = [
        XML_DECLARATION,
        '<feed xmlns="http://www.w3.org/2005/Atom"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">\n',
        element("id", f"{site}/feeds/online-first", 2),
        element("title", "Meridian Journals — Online First", 2),
        element("subtitle", "Articles published ahead of issue across Meridian journals", 2),
        element("updated", rfc3339(BUILT_AT), 2),
        f'  <link rel="alternate" type="text/html" href="{site}/online-first"/>\n',
        "  <author><name>Meridian Medical Press</name></author>\n",
    ]
    for article in sorted(articles, key=lambda a: a.published, reverse=True):
        out.append("  <entry>\n")
        out.append(element("id", f"https://doi.org/{article.doi}", 4))
        out.append(element("title", article.title, 4))
        out.append(f'    <link rel="alternate" type="text/html" href={quoteattr(article.url)}/>\n')
        out.append(element("published", rfc3339(article.published), 4))
        out.append(element("updated", rfc3339(article.published), 4))
        out.extend(f"    <author><name>{escape(a)}</name></author>\n" for a in article.authors)
        out.append(f"    <category term={quoteattr(article.section)}/>\n")
        out.append(
            element("summary", article.summary or first_paragraph(article.abstract), 4, type="html")
        )
        if article.abstract:
            out.append(element("content", article.abstract, 4, type="html"))
        out.append(prefixed("prism", "publicationName", article.journal))
        out.append(prefixed("prism", "doi", article.doi))
        out.append(prefixed("dc", "identifier", f"doi:{article.doi}"))
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out)


# --- conferences ---------------------------------------------------------------------------


def icalendar_events(items: Iterable[Event]) -> str:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Federation of Clinical Societies//Events Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Clinical Societies — Meetings and Webinars")
    for item in items:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", BUILT_AT)
        event.add("summary", item.title)
        if item.all_day:
            event.add("dtstart", item.start.date())
            event.add("dtend", item.end.date())
        elif item.tzid:
            zone = ZoneInfo(item.tzid)
            event.add("dtstart", item.start.replace(tzinfo=None).replace(tzinfo=zone))
            event.add("dtend", item.end.replace(tzinfo=None).replace(tzinfo=zone))
        else:
            event.add("dtstart", item.start.astimezone(UTC))
            event.add("dtend", item.end.astimezone(UTC))
        if item.rrule:
            event.add("rrule", {k: v for k, v in item.rrule.items()})
        event.add("location", item.location)
        event.add("url", item.url)
        event.add("description", item.description)
        if item.categories:
            event.add("categories", list(item.categories))
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    for tzid in sorted({item.tzid for item in items if item.tzid}, reverse=True):
        calendar.subcomponents.insert(0, vtimezone(tzid))
    return calendar.to_ical().decode("utf-8")


EU_SUMMER = {"freq": "yearly", "bymonth": 3, "byday": "-1su"}
EU_WINTER = {"freq": "yearly", "bymonth": 10, "byday": "-1su"}
US_SUMMER = {"freq": "yearly", "bymonth": 3, "byday": "2su"}
US_WINTER = {"freq": "yearly", "bymonth": 11, "byday": "1su"}

# tzid -> (standard name, offset, daylight name, offset, daylight starts, standard starts),
# written out as compact RRULE-based VTIMEZONEs the way calendar apps export them.
ZONES: dict[str, tuple[str, int, str | None, int, datetime | None, datetime | None]] = {
    "Europe/London": ("GMT", 0, "BST", 1, datetime(1970, 3, 29, 1), datetime(1970, 10, 25, 2)),
    "Europe/Dublin": ("GMT", 0, "IST", 1, datetime(1970, 3, 29, 1), datetime(1970, 10, 25, 2)),
    **{
        zone: ("CET", 1, "CEST", 2, datetime(1970, 3, 29, 2), datetime(1970, 10, 25, 3))
        for zone in ("Europe/Berlin", "Europe/Copenhagen", "Europe/Rome", "Europe/Vienna")
    },
    "America/New_York": ("EST", -5, "EDT", -4, datetime(1970, 3, 8, 2), datetime(1970, 11, 1, 2)),
    "America/Chicago": ("CST", -6, "CDT", -5, datetime(1970, 3, 8, 2), datetime(1970, 11, 1, 2)),
    "America/Mexico_City": ("CST", -6, None, -6, None, None),
    "Africa/Johannesburg": ("SAST", 2, None, 2, None, None),
}


def vtimezone(tzid: str) -> icalendar.Timezone:
    standard_name, standard, daylight_name, daylight, summer, winter = ZONES[tzid]
    zone = icalendar.Timezone()
    zone.add("tzid", tzid)
    rules = EU_SUMMER, EU_WINTER
    if tzid.startswith("America/"):
        rules = US_SUMMER, US_WINTER
    if daylight_name and summer and winter:
        zone.add_component(
            observance(
                icalendar.TimezoneDaylight(), daylight_name, standard, daylight, summer, rules[0]
            )
        )
        zone.add_component(
            observance(
                icalendar.TimezoneStandard(), standard_name, daylight, standard, winter, rules[1]
            )
        )
    else:
        zone.add_component(
            observance(
                icalendar.TimezoneStandard(),
                standard_name,
                standard,
                standard,
                datetime(1970, 1, 1),
                None,
            )
        )
    return zone


def observance(
    part: icalendar.cal.Component,
    name: str,
    offset_from: int,
    offset_to: int,
    start: datetime,
    rule: dict[str, object] | None,
) -> icalendar.cal.Component:
    part.add("tzname", name)
    part.add("tzoffsetfrom", timedelta(hours=offset_from))
    part.add("tzoffsetto", timedelta(hours=offset_to))
    part.add("dtstart", start)
    if rule:
        part.add("rrule", rule)
    return part


# --- videos --------------------------------------------------------------------------------


def youtube_atom(items: Iterable[Video]) -> str:
    """A YouTube channel feed, element for element as youtube.com/feeds/videos.xml writes it."""
    channel = videos.YOUTUBE_CHANNEL_ID
    channel_url = f"https://www.youtube.com/channel/{channel}"

    def author(indent: str) -> str:
        return (
            f"{indent}<author>\n{indent} <name>{videos.YOUTUBE_CHANNEL}</name>\n"
            f"{indent} <uri>{channel_url}</uri>\n{indent}</author>\n"
        )

    out = [
        XML_DECLARATION,
        '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015"'
        ' xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">\n',
        f' <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id={channel}"/>\n',
        f" <id>yt:channel:{channel}</id>\n",
        f" <yt:channelId>{channel}</yt:channelId>\n",
        f" <title>{videos.YOUTUBE_CHANNEL}</title>\n",
        f' <link rel="alternate" href="{channel_url}"/>\n',
        author(" "),
        " <published>2019-03-04T10:12:45+00:00</published>\n",
    ]
    for video in sorted(items, key=lambda v: v.published, reverse=True):
        watch = f"https://www.youtube.com/watch?v={video.id}"
        out.append(" <entry>\n")
        out.append(f"  <id>yt:video:{video.id}</id>\n")
        out.append(f"  <yt:videoId>{video.id}</yt:videoId>\n")
        out.append(f"  <yt:channelId>{channel}</yt:channelId>\n")
        out.append(element("title", video.title, 2))
        out.append(f'  <link rel="alternate" href="{watch}"/>\n')
        out.append(author("  "))
        out.append(element("published", rfc3339(video.published), 2))
        out.append(element("updated", rfc3339(video.updated or video.published), 2))
        out.append("  <media:group>\n")
        out.append(element("media:title", video.title, 3))
        out.append(
            f'   <media:content url="https://www.youtube.com/v/{video.id}?version=3"'
            ' type="application/x-shockwave-flash" width="640" height="390"/>\n'
        )
        out.append(f'   <media:thumbnail url="{video.thumbnail}" width="480" height="360"/>\n')
        out.append(element("media:description", video.description, 3))
        out.append("   <media:community>\n")
        out.append(
            f'    <media:starRating count="{video.views // 40}" average="5.00" min="1" max="5"/>\n'
        )
        out.append(f'    <media:statistics views="{video.views}"/>\n')
        out.append("   </media:community>\n  </media:group>\n </entry>\n")
    out.append("</feed>\n")
    return "".join(out)


def vimeo_rss(items: Iterable[Video]) -> str:
    """A Vimeo channel feed: RSS 2.0 with Media RSS player, credit and thumbnail."""
    link = "https://vimeo.com/channels/riversidegrandrounds"
    out = [
        XML_DECLARATION,
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:dcterms="http://purl.org/dc/terms/">\n',
        "  <channel>\n",
        element("title", f"Vimeo / {videos.VIMEO_CHANNEL}", 4),
        element("link", link, 4),
        element("description", "Weekly grand rounds from Riverside Teaching Hospital.", 4),
        element("language", "en-US", 4),
        element("pubDate", rfc822(BUILT_AT), 4),
        f'    <atom:link href="{link}/videos/rss" rel="self" type="application/rss+xml"/>\n',
    ]
    for video in sorted(items, key=lambda v: v.published, reverse=True):
        page = f"https://vimeo.com/{video.id}"
        # Vimeo's own descriptions open with the thumbnail on its CDN; a relative one here
        # would resolve against the item's page (vimeo.com), as links in an item's text do.
        description = (
            f"<p>{escape(video.description)}</p>"
            f'<p><strong>Cast:</strong> <a href="https://vimeo.com/riversidehospital">'
            "Riverside Teaching Hospital</a></p>"
        )
        out.append("    <item>\n")
        out.append(element("title", video.title))
        out.append(element("pubDate", rfc822(video.published)))
        out.append(element("link", page))
        out.append(
            element(
                "guid", f"tag:vimeo,{video.published:%Y-%m-%d}:clip{video.id}", isPermaLink="false"
            )
        )
        out.append(f"      <description>{cdata(description)}</description>\n")
        out.append(f'      <media:content duration="{video.duration}">\n')
        out.append(f'        <media:player url="https://player.vimeo.com/video/{video.id}"/>\n')
        out.append(
            '        <media:credit role="author" scheme="https://vimeo.com/">'
            "Riverside Teaching Hospital</media:credit>\n"
        )
        out.append(f'        <media:thumbnail height="540" width="960" url="{video.thumbnail}"/>\n')
        out.append(element("media:title", video.title, 8))
        out.append("      </media:content>\n")
        out.append("    </item>\n")
    out.append("  </channel>\n</rss>\n")
    return "".join(out)


# --- thumbnails ----------------------------------------------------------------------------

PALETTE = ("#0b5d7a", "#7a2e0b", "#2f6b3a", "#5b3b8c", "#8c2f4f", "#34495e", "#a0522d")


def svg_card(title: str, caption: str, width: int = 480, height: int = 270) -> str:
    """A small title card: stands in for a thumbnail so the demo works offline."""
    colour = PALETTE[zlib.crc32(title.encode()) % len(PALETTE)]
    lines = wrap(title, 30)[:4]
    top = height // 2 - 14 * (len(lines) - 1)
    text = "".join(
        f'<text x="24" y="{top + 28 * n}" font-size="22" font-weight="bold">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>'
        f'<rect width="{width}" height="{height}" fill="{colour}"/>'
        f'<g fill="#ffffff" font-family="Helvetica, Arial, sans-serif">{text}'
        f'<text x="24" y="{height - 20}" font-size="14" opacity="0.85">{escape(caption)}</text>'
        "</g></svg>\n"
    )


def duration_label(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def thumbnails() -> dict[str, str]:
    cards = {
        Path(v.thumbnail).name: svg_card(
            v.title, f"{videos.YOUTUBE_CHANNEL} · {duration_label(v.duration)}"
        )
        for v in videos.YOUTUBE
    }
    cards |= {
        Path(v.thumbnail).name: svg_card(v.title, f"Grand Rounds · {duration_label(v.duration)}")
        for v in videos.VIMEO
    }
    cards |= {
        Path(n.image).name: svg_card(n.title, "Ward Round News")
        for n in news.WARD_ROUND_NEWS
        if n.image
    }
    cards["article-mcard-2026-0388.svg"] = svg_card(
        "Nurse-led transitional care in heart failure", "Meridian Cardiology"
    )
    cards["wardround-icon.svg"] = svg_card("WRN", "", 128, 128)
    return cards


# --- the files -----------------------------------------------------------------------------

OUTPUTS: dict[str, Callable[[], str]] = {
    "feeds/clinical-wire.xml": lambda: rss_news(
        "Clinical Wire",
        "https://www.clinicalwire.example/",
        "Breaking clinical and regulatory news for physicians.",
        news.CLINICAL_WIRE,
    ),
    "feeds/health-policy-daily.atom": lambda: atom_news(
        "Health Policy Daily",
        "https://healthpolicydaily.example/",
        "Health policy, services and public health, every weekday.",
        news.HEALTH_POLICY_DAILY,
    ),
    "feeds/ward-round-news.json": lambda: json_feed_news(
        "Ward Round News",
        "https://wardround.example/",
        "Clinical news for hospital doctors in Europe.",
        news.WARD_ROUND_NEWS,
    ),
    "feeds/northern-medical-journal.rdf": lambda: rdf_toc(journals.NMJ_ISSUE),
    "feeds/meridian-online-first.atom": lambda: atom_online_first(journals.ONLINE_FIRST),
    "feeds/conferences.ics": lambda: icalendar_events(events.CALENDAR),
    "feeds/society-events.xml": lambda: rss_news(
        "Federation of Clinical Societies — Meetings",
        "https://www.clinicalsocieties.example/",
        "Congresses, courses and webinars of member societies.",
        events.SOCIETY_RSS,
    ),
    "feeds/clined-explained.youtube.xml": lambda: youtube_atom(videos.YOUTUBE),
    "feeds/riverside-grand-rounds.vimeo.xml": lambda: vimeo_rss(videos.VIMEO),
}


def render() -> dict[str, str]:
    """Every generated file: path relative to ``demo/`` -> its text."""
    files = {path: make() for path, make in OUTPUTS.items()}
    files |= {f"thumbs/{name}": svg for name, svg in thumbnails().items()}
    return files


def main() -> None:
    for path, text in render().items():
        target = DEMO / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
        print(f"wrote demo/{path}")


if __name__ == "__main__":
    main()
