"""aggregator.fulltext and its address guard, against a real HTTP server on 127.0.0.1.

Blocked addresses (10.x, 169.254.x, metadata hosts) are never connected to:
the guard must refuse before connecting, and the tests assert it does so at once.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from aggregator.errors import BlockedAddress, ExtractionError, ResponseTooLarge
from aggregator.fetch import FetchLimits
from aggregator.fulltext import Extracted, extract_article
from aggregator.netguard import address_problem
from tests.localserver import LocalServer, rebinding, send

ARTICLE = (Path(__file__).parent / "data" / "fulltext" / "article.html").read_bytes()
# A trial report with what a reader of a medical article notices when it goes: numbered
# steps, figure and table captions, table headers, sub- and superscripts, a quote and a
# list of abbreviations; and page chrome around it (a sidebar figure with a caption too).
TRIAL_REPORT = (Path(__file__).parent / "data" / "fulltext" / "trial-report.html").read_bytes()
LIMITS = FetchLimits(timeout=5)
# A fetch that connected to an address it should refuse would wait out this timeout: the
# refusal is proved by taking less than half of it, a margin no busy machine uses up.
UNREACHED = FetchLimits(timeout=30)
AT_ONCE = 15.0
BOILERPLATE = (
    "ADVERTISEMENT",
    "SPONSORED",
    "Trending now",
    "Subscribe to our newsletter",
    "Related coverage",
    "DrK_Endo",
    "All rights reserved",
    "Privacy policy",
    "dataLayer",
)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        local.route("/news/weekly-insulin", article)
        local.route("/news/2026/12/semaglutide-hfpef", trial_report)
        yield local


def article(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, ARTICLE, {"Content-Type": "text/html; charset=utf-8"})


def trial_report(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, TRIAL_REPORT, {"Content-Type": "text/html; charset=utf-8"})


def extract(url: str, limits: FetchLimits = LIMITS, **kwargs: object) -> Extracted:
    return asyncio.run(extract_article(url, limits, **kwargs))  # type: ignore[arg-type]


def allowed(server: LocalServer) -> list[str]:
    return [f"127.0.0.1:{server.port}"]


# --- extraction -----------------------------------------------------------------


def test_article_on_an_allowed_host_is_extracted(server: LocalServer) -> None:
    result = extract(server.url("/news/weekly-insulin"), allow_hosts=allowed(server))
    assert 550 < result.word_count < 700
    assert result.text.startswith(
        "Once-weekly basal insulin could cut the number of injections from 365 to 52 a year. "
        "A once-weekly basal insulin lowered blood sugar"
    )  # the lead figure's caption, then the first paragraph
    assert result.text.endswith("a dose they can adjust daily.”")


def test_extracted_article_leaves_the_boilerplate_out(server: LocalServer) -> None:
    result = extract(server.url("/news/weekly-insulin"), allow_hosts=allowed(server))
    assert [phrase for phrase in BOILERPLATE if phrase in result.html] == []


def test_extracted_html_keeps_headings_lists_and_images(server: LocalServer) -> None:
    html = extract(server.url("/news/weekly-insulin"), allow_hosts=allowed(server)).html
    assert "<h2>Hypoglycemia and safety</h2>" in html
    assert "<li>Duration: 78 weeks, with the primary endpoint at week 52</li>" in html
    assert f'src="http://127.0.0.1:{server.port}/media/2026/11/insulin-pen-lead.jpg"' in html
    assert "<h1" not in html and "<script" not in html


def extract_trial_report(server: LocalServer) -> str:
    url = server.url("/news/2026/12/semaglutide-hfpef")
    return extract(url, allow_hosts=allowed(server)).html


def test_a_numbered_list_stays_numbered(server: LocalServer) -> None:
    """trafilatura's HTML output made the four dose steps bullets."""
    html = extract_trial_report(server)
    assert "<ol><li>0.25 mg weekly for the first four weeks</li>" in html
    assert "<ul><li>Nausea: 18.4 percent vs. 6.0 percent</li>" in html


def article_with(server: LocalServer, lists: str) -> str:
    """The html extracted from an article page holding ``lists`` between two paragraphs."""
    words = " ".join(["Participants"] * 120)
    page = (f"<html><head><title>Titration</title></head><body><article><h1>Titration</h1>"
            f"<p>{words}.</p>{lists}<p>{words}.</p></article></body></html>").encode()  # fmt: skip
    server.route("/lists", lambda handler: send(handler, 200, page, {"Content-Type": "text/html"}))
    return extract(server.url("/lists"), allow_hosts=allowed(server)).html


def test_a_numbered_list_that_starts_at_five_still_starts_at_five(server: LocalServer) -> None:
    """trafilatura drops the list's attributes: steps 5 and 6 were shown as 1 and 2."""
    html = article_with(server, '<ol start="5"><li>Raise the dose</li><li>Check HbA1c</li></ol>')
    assert '<ol start="5"><li>Raise the dose</li><li>Check HbA1c</li></ol>' in html


def test_a_countdown_and_an_item_numbered_by_the_page_keep_their_numbers(
    server: LocalServer,
) -> None:
    html = article_with(
        server,
        "<ol reversed><li>Third place</li><li>Runner-up</li><li>Winner</li></ol>"
        '<ol><li>Screen</li><li value="7">Enrol</li><li>Randomise</li></ol>',
    )
    assert '<ol reversed=""><li>Third place</li><li>Runner-up</li><li>Winner</li></ol>' in html
    assert '<ol><li>Screen</li><li value="7">Enrol</li><li>Randomise</li></ol>' in html


def test_a_code_block_stays_one_block_of_code(server: LocalServer) -> None:
    """<pre><code> came out as <pre><pre>, and the code element was lost."""
    words = " ".join(["Participants"] * 120)
    code = "<pre><code>dose = weight * 0.25 if egfr &lt; 30 else weight</code></pre>"
    page = (f"<html><head><title>Dosing script</title></head><body><article><h1>Dosing "
            f"script</h1><p>{words}.</p>{code}<p>{words}.</p></article></body></html>"
            ).encode()  # fmt: skip
    server.route("/code", lambda handler: send(handler, 200, page, {"Content-Type": "text/html"}))
    html = extract(server.url("/code"), allow_hosts=allowed(server)).html
    assert code in html


def test_a_figure_keeps_its_caption(server: LocalServer) -> None:
    """trafilatura dropped every <figcaption>, and with it "Figure 1." and its numbers."""
    html = extract_trial_report(server)
    image = f'<img src="http://127.0.0.1:{server.port}/img/2026/12/km-curves.png"'
    assert f"<figure>{image}" in html
    assert "<figcaption>Figure 1. Kaplan–Meier curves for the primary composite end point." in html
    assert "(hazard ratio 0.74; 95% CI, 0.63 to 0.87).</figcaption></figure>" in html


def test_a_caption_in_the_sidebar_stays_out(server: LocalServer) -> None:
    html = extract_trial_report(server)
    assert [
        chrome for chrome in ("PROMOTED", "Aspen", "Most read", "cookies") if chrome in html
    ] == []


def test_a_table_keeps_its_caption_and_header_row(server: LocalServer) -> None:
    """The caption came out as a header cell beside two empty ones, above the real headers."""
    html = extract_trial_report(server)
    assert (
        "<table><caption>Table 2. Primary and secondary end points</caption>"
        "<thead><tr><th>End point</th><th>Semaglutide (n=1,706)</th>"
    ) in html
    assert "<tbody><tr><td>Primary composite</td><td>191 (11.2%)</td>" in html


def trial_report_with(server: LocalServer, figure: str) -> str:
    """The trial report's html with its Figure 1 replaced by ``figure``."""
    page = re.sub(
        rb'<figure class="article-figure">.*?</figure>', figure.encode(), TRIAL_REPORT, flags=re.S
    )
    server.route("/news/variant", lambda h: send(h, 200, page, {"Content-Type": "text/html"}))
    return extract(server.url("/news/variant"), allow_hosts=allowed(server)).html


def test_a_caption_of_several_paragraphs_stays_whole_and_in_order(server: LocalServer) -> None:
    html = trial_report_with(
        server,
        '<figure><img src="/forest.png" alt="Forest plot"><figcaption><p>Figure 2. Subgroups '
        "by <em>baseline</em> HbA<sub>1c</sub>.</p><p>Squares show hazard ratios.</p>"
        "</figcaption></figure>",
    )
    assert (
        "<figcaption><p>Figure 2. Subgroups by <em>baseline</em> HbA<sub>1c</sub>.</p>"
        "<p>Squares show hazard ratios.</p></figcaption></figure>"
    ) in html


def test_the_caption_of_a_figure_holding_a_table_captions_the_table(server: LocalServer) -> None:
    html = trial_report_with(
        server,
        "<figure><table><tr><th>Age, y</th><th>BMI</th></tr><tr><td>67</td><td>37.1</td></tr>"
        "</table><figcaption>Table 1. Baseline characteristics</figcaption></figure>",
    )
    assert "<table><caption>Table 1. Baseline characteristics</caption><thead>" in html
    assert "<p>Table 1." not in html


def test_a_definition_list_keeps_terms_apart_from_definitions(server: LocalServer) -> None:
    """Abbreviations and their meanings came out as six bullets of equal rank."""
    html = extract_trial_report(server)
    assert "<dl><dt>HFpEF</dt><dd>Heart failure with preserved ejection fraction</dd>" in html


def test_sub_and_superscripts_quotes_and_emphasis_are_kept(server: LocalServer) -> None:
    html = extract_trial_report(server)
    assert "HbA<sub>1c</sub>" in html and "30 kg/m<sup>2</sup>" in html
    assert "3×10<sup>−4</sup>" in html
    assert re.search(r"<blockquote>\s*<p>This is the first trial to show", html)
    assert "<em>Kansas City Cardiomyopathy Questionnaire</em>" in html
    assert "<strong>unaware of the assigned treatment</strong>" in html


def test_headings_and_links_of_the_trial_report_are_kept(server: LocalServer) -> None:
    html = extract_trial_report(server)
    assert "<h1" not in html and "<h2>Results</h2>" in html and "<h3>Abbreviations</h3>" in html
    supplement = server.url("/news/2026/12/supplement/protocol.pdf")
    assert (
        f'<a href="{supplement}" rel="noopener noreferrer nofollow">online supplement</a>' in html
    )


def test_title_author_and_absolute_lead_image_come_from_the_page(server: LocalServer) -> None:
    result = extract(server.url("/news/weekly-insulin"), allow_hosts=allowed(server))
    assert result.title == "Weekly insulin matches daily dosing in type 2 diabetes trial"
    assert result.author == "Dana Whitfield"
    assert result.image == server.url("/media/2026/11/insulin-pen-lead.jpg")


def test_host_allowed_without_port_allows_every_port(server: LocalServer) -> None:
    result = extract(server.url("/news/weekly-insulin"), allow_hosts=["127.0.0.1"])
    assert result.word_count > 550


def test_allowed_hostname_connects_to_an_address_that_answers(server: LocalServer) -> None:
    url = f"http://localhost:{server.port}/news/weekly-insulin"  # ::1 refuses, 127.0.0.1 answers
    assert extract(url, allow_hosts=[f"localhost:{server.port}"]).word_count > 550


def test_charset_declared_by_the_server_wins_over_the_meta_tag(server: LocalServer) -> None:
    page = ARTICLE.decode().replace("Time in range", "Café-goers' time in range")
    body = page.encode("latin-1", "replace")  # the page's <meta> still says utf-8
    headers = {"Content-Type": "text/html; charset=iso-8859-1"}
    server.route("/latin1", lambda h: send(h, 200, body, headers))
    result = extract(server.url("/latin1"), allow_hosts=allowed(server))
    assert "Café-goers' time in range" in result.text


def test_an_undeclared_windows_1252_page_is_read_as_browsers_read_it(
    server: LocalServer,
) -> None:
    """With no charset anywhere, trafilatura guessed: "étude" came out "ťtude"."""
    page = re.sub(rb"<meta[^>]*charset[^>]*>", b"", ARTICLE)
    page = page.decode().replace("Time in range", "L'étude menée à Paris: time in range")
    body = page.encode("cp1252", "replace")
    server.route("/cp1252", lambda h: send(h, 200, body, {"Content-Type": "text/html"}))
    result = extract(server.url("/cp1252"), allow_hosts=allowed(server))
    assert "L'étude menée à Paris: time in range" in result.text


def test_relative_links_in_the_text_resolve_against_the_page_not_the_site(
    server: LocalServer,
) -> None:
    """trafilatura resolved "appendix.html" on /news/2026/ against the site's root."""
    page = ARTICLE.replace(
        b"Time in range", b'<a href="appendix.html">The appendix</a>: time in range'
    )
    server.route("/news/2026/insulin", lambda h: send(h, 200, page, {"Content-Type": "text/html"}))
    result = extract(server.url("/news/2026/insulin"), allow_hosts=allowed(server))
    assert f'href="{server.url("/news/2026/appendix.html")}"' in result.html


def test_a_page_far_larger_than_an_article_is_refused_before_extraction(
    server: LocalServer,
) -> None:
    """8.5 MB of paragraphs took minutes of CPU, and a 1,000,000-word "article" was kept."""
    filler = b"<p>" + b"word " * 200 + b"</p>"
    huge = ARTICLE.replace(b"</body>", filler * 3_200 + b"</body>")
    server.route("/huge", lambda h: send(h, 200, huge, {"Content-Type": "text/html"}))
    with pytest.raises(ExtractionError, match="more than an article page"):
        extract(server.url("/huge"), allow_hosts=allowed(server))


def test_a_paywalled_teaser_is_not_taken_for_the_article(server: LocalServer) -> None:
    """The fallback extractors took the whole page, teaser, subscription box and fifteen
    other articles' blurbs, for a 377-word article that beat an open one to the front page."""
    cards = "".join(
        f'<div class="teaser-card"><h3><a href="/art/{n}">Kidney cohort study {n}</a></h3>'
        f"<p>Investigators followed adults with chronic kidney disease for five years and "
        f"measured progression, dialysis and death across several centres ({n}).</p></div>"
        for n in range(15)
    )
    page = (
        "<html><head><title>Study drug in HFpEF | Big Journal</title></head><body>"
        "<header><nav><a href='/'>Big Journal</a></nav></header><main><article>"
        "<h1>Study drug in HFpEF</h1><p>Heart failure with preserved ejection fraction "
        "remains difficult to treat. In this trial we randomly assigned 3000 patients to the "
        'study drug or placebo.</p><div class="paywall"><h2>Subscribe to continue reading</h2>'
        "<p>Access this article and thousands more. Already a subscriber? Sign in.</p>"
        '<a href="/subscribe">Subscribe now</a></div></article>'
        f'<section class="more-from"><h2>More from Big Journal</h2>{cards}</section>'
        "</main><footer>Big Journal</footer></body></html>"
    ).encode()
    server.route("/paywalled", lambda h: send(h, 200, page, {"Content-Type": "text/html"}))
    with pytest.raises(ExtractionError, match="words of article text"):
        extract(server.url("/paywalled"), allow_hosts=allowed(server), min_words=150)


def test_page_without_main_text_raises_extraction_error(server: LocalServer) -> None:
    chrome = b"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
    chrome += b"<footer>&copy; 2026 Clinical Wire</footer></body></html>"
    server.route("/empty", lambda h: send(h, 200, chrome, {"Content-Type": "text/html"}))
    with pytest.raises(ExtractionError, match="article text"):
        extract(server.url("/empty"), allow_hosts=allowed(server))


def test_pdf_raises_extraction_error(server: LocalServer) -> None:
    pdf = b"%PDF-1.7\n"
    server.route("/paper.pdf", lambda h: send(h, 200, pdf, {"Content-Type": "application/pdf"}))
    with pytest.raises(ExtractionError, match=r"not an HTML page \(application/pdf\)"):
        extract(server.url("/paper.pdf"), allow_hosts=allowed(server))


def test_page_over_the_size_cap_raises_too_large(server: LocalServer) -> None:
    limits = FetchLimits(timeout=5, max_bytes=5_000)
    with pytest.raises(ResponseTooLarge):
        extract(server.url("/news/weekly-insulin"), limits, allow_hosts=allowed(server))


def test_local_file_is_extracted_when_files_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "weekly-insulin.html"
    path.write_bytes(ARTICLE)
    result = extract(path.as_uri(), allow_files=True)
    assert result.word_count > 550
    assert result.image is None  # relative to a file: URL, so not a link a reader can follow


# --- the address guard ------------------------------------------------------------


def test_loopback_url_without_allowance_is_blocked_before_any_request(
    server: LocalServer,
) -> None:
    url = server.url("/news/weekly-insulin")
    with pytest.raises(BlockedAddress) as caught:
        extract(url)
    assert caught.value.reason == f"refusing to fetch {url}: 127.0.0.1 is a loopback address"
    assert server.requests == []


def test_allowance_for_another_port_does_not_allow_this_one(server: LocalServer) -> None:
    with pytest.raises(BlockedAddress):
        extract(server.url("/news/weekly-insulin"), allow_hosts=[f"127.0.0.1:{server.port + 1}"])
    assert server.requests == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254 is a cloud metadata address"),
        ("http://metadata.google.internal/", "metadata.google.internal is a cloud metadata host"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://192.168.1.1:8080/admin", "192.168.1.1 is a private address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://localhost/", "localhost resolves to"),
    ],
)
def test_internal_address_is_refused_without_connecting(url: str, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(BlockedAddress, match=re.escape(f"refusing to fetch {url}: {reason}")):
        extract(url, UNREACHED)
    assert time.monotonic() - started < AT_ONCE


@pytest.mark.parametrize("url", ["ftp://ftp.example.org/article.html", "gopher://x/1"])
def test_non_http_scheme_is_refused(url: str) -> None:
    with pytest.raises(BlockedAddress, match="not allowed"):
        extract(url)


def test_file_url_is_refused_unless_files_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(ARTICLE)
    with pytest.raises(BlockedAddress, match="scheme 'file' not allowed"):
        extract(path.as_uri())


def test_redirect_from_allowed_host_to_metadata_address_is_refused(server: LocalServer) -> None:
    target = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    server.route("/go", lambda h: send(h, 302, headers={"Location": target}))
    started = time.monotonic()
    with pytest.raises(BlockedAddress, match=r"169\.254\.169\.254 is a cloud metadata address"):
        extract(server.url("/go"), UNREACHED, allow_hosts=allowed(server))
    assert time.monotonic() - started < AT_ONCE


def test_redirect_to_a_loopback_port_not_allowed_is_refused(server: LocalServer) -> None:
    with LocalServer() as internal:
        internal.route("/admin", article)
        server.route("/go", lambda h: send(h, 301, headers={"Location": internal.url("/admin")}))
        with pytest.raises(BlockedAddress, match="is a loopback address"):
            extract(server.url("/go"), allow_hosts=allowed(server))
        assert internal.requests == []


def test_connection_goes_to_the_address_that_was_checked(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name answers 127.0.0.1 when checked, then nothing usable.

    The fetch succeeds only because the transport dials the checked address
    instead of resolving the name again.
    """
    lookups = rebinding(monkeypatch, "rebind.test")
    url = f"http://rebind.test:{server.port}/news/weekly-insulin"
    assert extract(url, allow_hosts=["rebind.test"]).word_count > 550
    assert lookups == ["rebind.test"]
    assert server.requests[0].headers["host"] == f"rebind.test:{server.port}"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.2", "a loopback address"),
        ("172.16.5.4", "a private address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "not a public address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("::ffff:10.1.2.3", "a private address"),
        ("2002:7f00:1::", "a loopback address"),  # 6to4 around 127.0.0.1
        ("2002:5db8:d822::1", None),  # 6to4 around a public address
        ("fec0::1", "a site-local address"),
    ],
)
def test_address_problem_names_what_is_wrong(address: str, problem: str | None) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


def test_a_lengthened_headline_is_recognised_as_the_title() -> None:
    from aggregator.articlemarkup import same_title as _same_title

    title = "Nurse-Led Transitional Care and 90-Day Readmission"
    assert _same_title(title + ": A Cluster Randomized Trial", title)
    assert _same_title("  nurse-led transitional care and 90-day readmission ", title)
    assert not _same_title("Methods", title)
