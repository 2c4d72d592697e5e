"""Turn trafilatura's tree of an article into HTML, keeping what its own HTML output loses.

trafilatura describes the main text with its own elements (``head``, ``p``,
``list``/``item``, ``hi``, ``ref``, ``table``/``row``/``cell``, ``quote``,
``code``, ``graphic``, ``lb``). Its HTML output renames them, but turns a
numbered list and a definition list into bullets and a table caption into a
header row, figure captions never reach the tree, and a list's numbering
(``start``, ``reversed``, ``<li value>``) is dropped. Here ``keep_captions``
and ``keep_numbers`` ready the page so that captions and numbers survive
extraction, and ``article_html`` renames the tree's elements with those
distinctions kept.

It does not fetch, choose the main text (trafilatura does) or sanitize: its
output goes through ``sanitize.clean_html`` like any other HTML.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

_EMPHASIS = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_RENAMED = {"quote": "blockquote", "lb": "br", "row": "tr"}  # p, table, del stay
_INLINE = frozenset({"p", "hi", "ref", "head", "item", "cell", "del"})  # code in these is code
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NUMBER = "li#"  # the rend of a numbered item: "li#5" is the page's fifth (``keep_numbers``)
_INTEGER = re.compile(r"\s*([+-]?\d{1,9})")  # HTML's integer parsing: "5th" is 5
Numbering = list[tuple[etree._Element, dict[str, str]]]  # elements and attributes to give back


def keep_captions(page: etree._Element) -> frozenset[str]:
    """Let figure captions through extraction; the text of every caption on the page.

    trafilatura drops ``<figcaption>``. Renamed ``<p>`` (``<div>`` when it holds
    paragraphs: a ``<p>`` in a ``<p>`` came out with its text spliced in the middle of
    the other's; a ``<div>`` of bare text was dropped), it is read as the figure's
    text, and trafilatura decides as for any text whether it belongs to the article
    (a sidebar promo's caption stays out). The texts let
    ``article_html`` tell those paragraphs, and the header row trafilatura makes
    of a table's ``<caption>``, from the article's own text.
    """
    captions: set[str] = set()
    for caption in page.iter("figcaption", "caption"):
        if caption.tag == "figcaption":
            paragraphs = caption.findall(".//p")
            captions.update(_text(part) for part in paragraphs or [caption])
            caption.tag = "div" if paragraphs else "p"
        else:
            captions.add(_text(caption))
    captions.discard("")
    return frozenset(captions)


def keep_numbers(page: etree._Element) -> None:
    """Let the numbers of numbered lists through extraction.

    trafilatura keeps a list's ``rend`` (``ol``) and no other attribute, so a list
    of steps 5 to 8 (``<ol start="5">``) came out as steps 1 to 4, and a countdown
    (``reversed``) counted up. Each item's number as the page shows it is written
    into the item's ``rend``, which trafilatura copies to its own item;
    ``article_html`` gives the numbers back as ``start``, ``reversed`` and ``value``.
    """
    for ordered in page.iter("ol"):
        items = ordered.findall("li")
        step = -1 if ordered.get("reversed") is not None else 1
        number = _integer(ordered.get("start"), len(items) if step < 0 else 1)
        for item in items:
            number = _integer(item.get("value"), number)
            item.set("rend", f"{_NUMBER}{number}")
            number += step


def _integer(value: str | None, default: int) -> int:
    """An attribute read as a browser reads a list number; ``default`` when it is none."""
    found = _INTEGER.match(value or "")
    return int(found.group(1)) if found else default


def article_html(body: etree._Element, captions: frozenset[str], title: str | None) -> str:
    """trafilatura's ``body`` as HTML (renamed in place), for the sanitizer.

    ``captions`` come from ``keep_captions``; a heading repeating ``title`` is
    dropped (the page shows the title already).
    """
    for graphic in list(body.iter("graphic")):
        _figure(graphic, captions)
    for table in list(body.iter("table")):
        _table_parts(table, captions)
    numbering = [pair for found in body.iter("list") for pair in _numbering(found)]
    for element in list(body.iter()):
        if isinstance(element.tag, str):
            _rename(element)
    for element, attributes in numbering:
        element.attrib.update(attributes)
    _demote_headings(body, title)
    body.tag = "div"  # the sanitizer drops it and keeps what it holds
    body.attrib.clear()
    html = etree.tostring(body, method="html", encoding="unicode")
    return unicodedata.normalize("NFC", html)  # as trafilatura's own output is


def _figure(graphic: etree._Element, captions: frozenset[str]) -> None:
    """An image followed by caption paragraphs becomes ``<figure>`` with ``<figcaption>``."""
    paragraphs = []
    following = graphic.getnext()
    while following is not None and following.tag == "p" and _text(following) in captions:
        paragraphs.append(following)
        following = following.getnext()
    if not paragraphs or _text_of_tail(graphic):
        return
    figure = etree.Element("figure")
    graphic.addprevious(figure)
    figure.tail, paragraphs[-1].tail = paragraphs[-1].tail, None
    graphic.tail = None
    figure.append(graphic)
    if len(paragraphs) == 1:
        paragraphs[0].tag = "figcaption"
        figure.append(paragraphs[0])
    else:
        etree.SubElement(figure, "figcaption").extend(paragraphs)


def _table_parts(table: etree._Element, captions: frozenset[str]) -> None:
    """Give back a table's ``<caption>`` (trafilatura made it a header row) and its
    ``<thead>``, so that screen readers and the eye tell headers from data."""
    rows = table.findall("row")
    if rows and _is_caption_row(rows[0], captions):
        caption = etree.Element("caption")
        caption.text = _text(rows[0])
        table.replace(rows.pop(0), caption)
    elif (paragraph := _caption_beside(table, captions)) is not None:
        _remove(paragraph)  # the figcaption of a <figure> holding the table
        paragraph.tag, paragraph.tail = "caption", None
        table.insert(0, paragraph)
    if not rows or not all(cell.get("role") == "head" for cell in rows[0].iter("cell")):
        return
    head = etree.Element("thead")
    rows[0].addprevious(head)
    head.append(rows[0])
    if len(rows) > 1:
        rows[1].addprevious(etree.Element("tbody"))
        head.getnext().extend(rows[1:])


def _numbering(found: etree._Element) -> Numbering:
    """The attributes that number a numbered list's items as the page did (``keep_numbers``).

    Only where the count breaks: ``start`` when the first is not where a browser starts,
    ``value`` on an item after one trafilatura left out (or one the page numbered
    itself), ``reversed`` when the list counts down.
    """
    items = found.findall("item") if found.get("rend") == "ol" else []
    numbers = [_number_of(item) for item in items]
    known = [number for number in numbers if number is not None]
    if not known:
        return []
    step = -1 if len(known) > 1 and known[1] < known[0] else 1
    listed: dict[str, str] = {"reversed": ""} if step < 0 else {}
    numbering: Numbering = [(found, listed)]
    expected = len(items) if step < 0 else 1  # where a browser starts counting
    for item, number in zip(items, numbers, strict=True):
        if number is not None and number != expected:
            if item is items[0]:
                listed["start"] = str(number)
            else:
                numbering.append((item, {"value": str(number)}))
            expected = number
        expected += step
    return numbering


def _number_of(item: etree._Element) -> int | None:
    rend = item.get("rend", "")
    return int(rend[len(_NUMBER) :]) if rend.startswith(_NUMBER) else None


def _caption_beside(table: etree._Element, captions: frozenset[str]) -> etree._Element | None:
    for paragraph in (table.getprevious(), table.getnext()):
        if paragraph is not None and paragraph.tag == "p" and _text(paragraph) in captions:
            return paragraph
    return None


def _is_caption_row(row: etree._Element, captions: frozenset[str]) -> bool:
    cells = row.findall("cell")
    filled = [cell for cell in cells if _text(cell)]
    return (
        len(filled) == 1
        and filled[0] is cells[0]
        and cells[0].get("role") == "head"
        and _text(cells[0]) in captions
    )


def _rename(element: etree._Element) -> None:
    """One of trafilatura's elements as its HTML counterpart, with only the attributes it needs."""
    tag, attributes = str(element.tag), dict(element.attrib)
    rend = attributes.get("rend", "")
    kept: dict[str, str] = {}
    if tag == "head":
        tag = rend if rend in _HEADINGS else "h3"
    elif tag == "list":
        tag = rend if rend in ("ol", "dl") else "ul"
    elif tag == "item":
        tag = rend[:2] if rend[:2] in ("dt", "dd") else "li"
    elif tag == "hi":
        tag = _EMPHASIS.get(rend, "em")
    elif tag == "cell":
        tag = "th" if attributes.get("role") == "head" else "td"
    elif tag == "ref":
        tag, kept = "a", {"href": attributes["target"]} if "target" in attributes else {}
    elif tag == "graphic":
        tag = "img"
        kept = {name: attributes[name] for name in ("src", "alt", "title") if name in attributes}
    elif tag == "code":
        parent = element.getparent()
        inline = parent is not None and parent.tag in _INLINE | {"code", "pre"}  # <pre><code>
        tag = "code" if inline else "pre"
    else:
        tag = _RENAMED.get(tag, tag)
    element.tag = tag
    element.attrib.clear()
    element.attrib.update(kept)


def _demote_headings(body: etree._Element, title: str | None) -> None:
    """Drop an ``<h1>`` that repeats the title (the page shows it already); others become h2.

    The sanitizer's allow-list starts at h2, because the article sits inside a
    page whose own h1 is the article title.
    """
    for heading in list(body.iter("h1")):
        if title and same_title(_text(heading), title):
            _remove(heading)
            title = None  # only the first copy
        else:
            heading.tag = "h2"


def same_title(heading: str, title: str) -> bool:
    """Pages often lengthen the headline ("…: A Cluster Randomized Trial"); still the title."""
    a, b = (" ".join(re.findall(r"\w+", text.lower())) for text in (heading, title))
    shorter = min(len(a), len(b))
    return a == b or (shorter >= 20 and (a.startswith(b) or b.startswith(a)))


def _remove(element: etree._Element) -> None:
    """``element`` out of the tree, the text that follows it kept."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def _text(element: etree._Element) -> str:
    """An element's text as the eye reads it: NFC, whitespace collapsed (what a caption
    looked like on the page and in trafilatura's tree differs in both)."""
    return " ".join(unicodedata.normalize("NFC", "".join(element.itertext())).split())


def _text_of_tail(element: etree._Element) -> str:
    return (element.tail or "").strip()
