"""Crawling a page or a sitemap served by a local web server the test starts."""

import gzip
import time
from typing import Any

import pytest

from libriassist.knowledge.crawl import PageError, fetch_url_documents
from libriassist.knowledge.sources import ParsedDocument
from tests.knowledge import samples
from tests.knowledge.web import Route, Site

HTML = "text/html; charset=utf-8"


async def crawl(url: str, **options: Any) -> list[ParsedDocument | PageError]:
    return await fetch_url_documents(url, **{"delay": 0.0, **options})


def documents(results: list[ParsedDocument | PageError]) -> dict[str, ParsedDocument]:
    return {r.source_uri: r for r in results if isinstance(r, ParsedDocument)}


def errors(results: list[ParsedDocument | PageError]) -> dict[str, str]:
    return {r.url: r.error for r in results if isinstance(r, PageError)}


async def test_a_single_page_is_fetched_and_parsed(site: Site) -> None:
    site.page("/gifts", lang="fr-FR", links=("/elsewhere",))
    results = await crawl(site.url("/gifts"))
    assert len(results) == 1 and isinstance(results[0], ParsedDocument)
    page = results[0]
    assert page.source_uri == page.url == site.url("/gifts")
    assert page.format == "html" and page.language == "fr" and page.title == "Gift wrapping"
    assert all(c.url == site.url("/gifts") for c in page.chunks)
    text = " ".join(c.text for c in page.chunks)
    assert "three euros per parcel" in text
    assert not any(phrase in text for phrase in samples.BOILERPLATE)
    assert "/elsewhere" not in site.requests  # depth 0: links are not followed


async def test_a_sitemap_is_expanded_to_its_pages_on_the_same_host(site: Site) -> None:
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.page("/a", h1="Page A")
    site.page("/b", h1="Page B")
    site.page("/private/secret", h1="Secret")
    site.routes["/guide.pdf"] = Route(
        samples.pdf_bytes({"Delivery": ["We deliver within three days everywhere."]}),
        "application/pdf",
    )
    site.routes["/notes.docx"] = Route(
        samples.docx_bytes(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    site.sitemap(
        "/sitemap.xml",
        [
            site.url("/a"),
            site.url("/b"),
            site.url("/missing"),
            site.url("/private/secret"),
            site.url("/guide.pdf"),
            site.url("/notes.docx"),
            "http://other.invalid/page",
        ],
    )
    results = await crawl(site.url("/sitemap.xml"))
    assert {d: doc.title for d, doc in documents(results).items()} == {
        site.url("/a"): "Page A",
        site.url("/b"): "Page B",
        site.url("/guide.pdf"): "Delivery guide",
        site.url("/notes.docx"): "Guía de envíos",
    }
    assert errors(results) == {
        site.url("/missing"): "HTTP 404",
        site.url("/private/secret"): "disallowed by robots.txt",
    }
    assert "/private/secret" not in site.requests
    assert [r.source_uri if isinstance(r, ParsedDocument) else r.url for r in results][:2] == [
        site.url("/a"),
        site.url("/b"),
    ]


async def test_a_gzipped_sitemap_behind_a_sitemap_index(site: Site) -> None:
    site.page("/one", h1="One")
    site.page("/two", h1="Two")
    site.sitemap("/pages.xml", [site.url("/one"), site.url("/two")])
    site.routes["/pages.xml.gz"] = Route(
        gzip.compress(site.routes["/pages.xml"].body), "application/gzip"
    )
    site.sitemap("/sitemap_index.xml", [site.url("/pages.xml.gz")], index=True)
    seen: list[tuple[int, int, str]] = []
    results = await crawl(site.url("/sitemap_index.xml"), progress=lambda *args: seen.append(args))
    assert sorted(doc.title for doc in documents(results).values()) == ["One", "Two"]
    assert not errors(results)
    assert [(done, known) for done, known, _ in seen] == [(1, 2), (2, 2)]
    assert {url for _, _, url in seen} == {site.url("/one"), site.url("/two")}


async def test_the_charset_the_server_declares_is_honoured(site: Site) -> None:
    html = "<html><body><main><h1>Délais</h1><p>Livraison en été, à Noël aussi.</p></main></body></html>"
    site.routes["/latin"] = Route(html.encode("latin-1"), "text/html; charset=ISO-8859-1")
    (page,) = documents(await crawl(site.url("/latin"))).values()
    assert page.title == "Délais" and "Livraison en été, à Noël aussi." in page.chunks[0].text


async def test_the_page_limit_stops_the_crawl(site: Site) -> None:
    paths = [f"/p{n}" for n in range(6)]
    for path in paths:
        site.page(path, h1=f"Page {path}")
    site.sitemap("/sitemap.xml", [site.url(p) for p in paths])
    results = await crawl(site.url("/sitemap.xml"), max_pages=2)
    assert len(results) == 2
    assert len([p for p in site.requests if p.startswith("/p")]) == 2


async def test_links_are_followed_to_the_depth_limit_on_the_same_host(site: Site) -> None:
    site.page("/start", h1="Start", links=("/level1", "http://other.invalid/x", "/logo.png"))
    site.page("/level1", h1="Level one", links=("/level2", "/start#top"))
    site.page("/level2", h1="Level two")
    one_step = await crawl(site.url("/start"), max_depth=1)
    assert [d.title for d in documents(one_step).values()] == ["Start", "Level one"]
    assert "/level2" not in site.requests and "/logo.png" not in site.requests
    two_steps = await crawl(site.url("/start"), max_depth=2)
    assert [d.title for d in documents(two_steps).values()] == ["Start", "Level one", "Level two"]
    assert site.requests.count("/start") == 2  # the #top link is the same page


async def test_robots_disallowed_links_are_not_followed(site: Site) -> None:
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /cart\n", "text/plain")
    site.page("/start", h1="Start", links=("/cart", "/help"))
    site.page("/help", h1="Help")
    site.page("/cart", h1="Cart")
    results = await crawl(site.url("/start"), max_depth=1)
    assert [d.title for d in documents(results).values()] == ["Start", "Help"]
    assert site.url("/cart") not in errors(results) and "/cart" not in site.requests


async def test_robots_txt_that_fails_forbids_everything(site: Site) -> None:
    site.routes["/robots.txt"] = Route(b"oops", "text/plain", status=503)
    site.page("/start")
    results = await crawl(site.url("/start"))
    assert errors(results) == {site.url("/start"): "disallowed by robots.txt"}
    assert site.requests == ["/robots.txt"]


async def test_each_failing_page_says_why_while_the_others_go_on(site: Site) -> None:
    site.page("/fine", h1="Fine")
    site.routes["/image"] = Route(b"\x89PNG\r\n", "image/png")
    site.routes["/huge"] = Route(samples.html_page(h1="Huge" * 2000).encode())
    site.routes["/slow"] = Route(samples.html_page().encode(), pause=1.0)
    site.routes["/broken"] = Route(b"%PDF-1.7 not really", "application/pdf")
    site.routes["/away"] = Route(b"", status=302, headers={"Location": "http://other.invalid/"})
    site.routes["/noindex"] = Route(
        samples.html_page(head_extra='<meta name="robots" content="noindex">').encode()
    )
    site.routes["/error"] = Route(b"down", "text/plain", status=500)
    names = ["/fine", "/image", "/huge", "/slow", "/broken", "/away", "/noindex", "/error"]
    site.sitemap("/sitemap.xml", [site.url(n) for n in names])
    results = await crawl(
        site.url("/sitemap.xml"), max_bytes=6000, request_timeout=0.3, concurrency=3
    )
    assert list(documents(results)) == [site.url("/fine")]
    assert errors(results) == {
        site.url("/image"): "unsupported content type 'image/png'",
        site.url("/huge"): "larger than 6000 bytes",
        site.url("/slow"): "timed out after 0.3 s",
        site.url("/broken"): errors(results)[site.url("/broken")],
        site.url("/away"): "redirected to another host: http://other.invalid/",
        site.url("/noindex"): "the page asks not to be indexed (noindex)",
        site.url("/error"): "HTTP 500",
    }
    assert errors(results)[site.url("/broken")].startswith("not a readable PDF")


async def test_a_redirect_on_the_same_host_is_followed(site: Site) -> None:
    site.routes["/old"] = Route(b"", status=301, headers={"Location": "/new"})
    site.page("/new", h1="New place")
    results = await crawl(site.url("/old"))
    assert list(documents(results)) == [site.url("/new")]


async def test_requests_are_spaced_and_bounded(site: Site) -> None:
    site.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 0.1\n", "text/plain")
    paths = [f"/p{n}" for n in range(3)]
    for path in paths:
        site.page(path, h1=path, pause=0.05)
    site.sitemap("/sitemap.xml", [site.url(p) for p in paths])
    started = time.monotonic()
    results = await crawl(site.url("/sitemap.xml"), concurrency=2)
    assert len(documents(results)) == 3
    assert time.monotonic() - started >= 0.3  # robots.txt, then 4 requests 0.1 s apart
    assert site.in_flight[1] <= 2


async def test_a_url_that_is_not_http_is_refused() -> None:
    assert await crawl("ftp://example.invalid/file") == [
        PageError("ftp://example.invalid/file", "not an http(s) URL")
    ]


async def test_public_only_refuses_local_addresses(site: Site) -> None:
    site.page("/inside", h1="Intranet")
    results = await crawl(site.url("/inside"), public_only=True)
    assert "private or local address" in errors(results)[site.url("/inside")]
    assert site.requests == []  # not even robots.txt was asked for


async def test_public_only_connects_to_the_address_it_checked(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The address is checked once and the connection goes there: a DNS answer that
    changes after the check (rebinding) cannot send the request elsewhere."""
    from libriassist.knowledge import crawl

    checked: list[str] = []

    async def pinned(url: str) -> str:
        checked.append(url)
        return "127.0.0.1"  # what the check approved (here: the test's own server)

    monkeypatch.setattr(crawl, "_public_address", pinned)
    port = site.base.rsplit(":", 1)[1]
    site.page("/page", h1="Pinned")
    url = f"http://shop.invalid:{port}/page"  # resolves nowhere: only the pinned address works
    (page,) = documents(await crawl_public(url)).values()
    assert page.title == "Pinned" and page.url == url
    assert "/page" in site.requests and len(checked) >= 2  # the start, then each request


async def crawl_public(url: str) -> list[ParsedDocument | PageError]:
    return await fetch_url_documents(url, delay=0.0, public_only=True)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("::127.0.0.1", False),  # IPv4-compatible
    ],
)
def test_only_public_addresses_pass(address: str, public: bool) -> None:
    import ipaddress

    from libriassist.kit.network import is_public

    assert is_public(ipaddress.ip_address(address)) is public


async def test_a_huge_crawl_delay_is_capped(site: Site) -> None:
    from libriassist.knowledge.crawl import MAX_CRAWL_DELAY

    site.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 86400\n", "text/plain")
    site.page("/a", h1="A")
    started = time.monotonic()
    results = await crawl(site.url("/a"), delay=0.0)
    assert documents(results) and time.monotonic() - started < MAX_CRAWL_DELAY + 5
