"""Web pages as sources: one URL (optionally following its links) or a sitemap.

Polite by construction: the starting URL's host only, robots.txt obeyed (Disallow,
Crawl-delay, Request-rate), at most ``concurrency`` requests in flight and at least
``delay`` seconds between two request starts, bounded bodies and timeouts. A page that
fails becomes a ``PageError`` and the others go on.
"""

import asyncio
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import lxml.etree
import lxml.html
from protego import Protego

from libriassist.kit.network import is_public, resolve
from libriassist.knowledge.parsed import ParsedDocument, SourceError
from libriassist.knowledge.sources import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, parse_bytes

log = logging.getLogger("libriassist.knowledge.crawl")

DEFAULT_USER_AGENT = "LibriAssist/0.1 (knowledge-base crawler)"
MAX_REDIRECTS = 5
MAX_SITEMAP_NESTING = 3
MAX_SITEMAPS = 50  # sitemap files fetched per crawl (an index may list thousands)
MAX_CRAWL_DELAY = 10.0  # seconds; robots.txt may ask for less, not for more
MAX_ROBOTS_BYTES = 500 * 1024
MAX_URL_CHARS = 1000

_CONTENT_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
}
_XML_TYPES = {"application/xml", "text/xml", "application/gzip", "application/x-gzip"}
_SKIPPED_LINK_SUFFIXES = (
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".css", ".js", ".zip",
    ".gz", ".mp3", ".mp4", ".webm", ".avi", ".mov", ".woff", ".woff2", ".ttf", ".exe",
)  # fmt: skip


class PageError(NamedTuple):
    """A page (or sitemap) that gave no document, and why."""

    url: str
    error: str


Progress = Callable[[int, int, str], None]


async def fetch_url_documents(
    url: str,
    *,
    default_language: str = "fr",
    max_pages: int = 100,
    max_depth: int = 0,
    concurrency: int = 2,
    delay: float = 1.0,
    request_timeout: float = 20.0,
    max_bytes: int = MAX_FILE_BYTES,
    user_agent: str = DEFAULT_USER_AGENT,
    progress: Progress | None = None,
    public_only: bool = False,
) -> list[ParsedDocument | PageError]:
    """Fetch a web page or a sitemap and parse what it leads to into documents.

    ``url`` is a page (HTML, or PDF, DOCX, plain text or Markdown by Content-Type) or a
    sitemap (``<urlset>`` or a ``<sitemapindex>``, gzipped or not), told apart by content.
    A sitemap stands for the pages it lists; a page for itself. Links on a page are
    followed ``max_depth`` steps (0: none); the pages a sitemap lists are at depth 0.

    Only URLs on the starting URL's host are fetched (redirects included), never a
    URL that robots.txt disallows for ``user_agent`` (robots.txt answering 5xx or not
    at all disallows everything, as RFC 9309 asks). At most ``max_pages`` pages are
    fetched (sitemaps and robots.txt not counted); further ones are left out.
    ``concurrency`` requests at most are in flight, and two requests start at least
    ``delay`` seconds apart, or robots.txt's Crawl-delay / Request-rate when longer.
    Each request has ``request_timeout`` seconds in all; a body over ``max_bytes`` is refused.

    Returns one entry per page, in discovery order: a ``ParsedDocument`` whose
    ``source_uri`` and ``url`` are the page's URL (after redirects), or a
    ``PageError(url, error)`` saying why that page gave none (HTTP status, timeout,
    unsupported content type, too large, disallowed by robots.txt, unreadable content).
    A sitemap that cannot be read is reported the same way. ``progress(done, known,
    url)`` is called after each page. With ``public_only``, hosts that resolve to a
    loopback, private, link-local or otherwise non-public address are refused (what a
    tenant admin asks the server to fetch must not reach the server's own network).
    """
    start = urldefrag(url.strip()).url
    parts = urlsplit(start)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [PageError(url, "not an http(s) URL")]
    if public_only:
        try:
            await _public_address(start)
        except _Failure as exc:
            return [PageError(start, str(exc))]
    crawler = _Crawler(
        host=parts.hostname,
        default_language=default_language,
        max_pages=max_pages,
        max_depth=max_depth,
        delay=delay,
        timeout=request_timeout,
        max_bytes=max_bytes,
        user_agent=user_agent,
        progress=progress,
        public_only=public_only,
    )
    headers = {"User-Agent": user_agent}
    async with httpx.AsyncClient(
        headers=headers, timeout=request_timeout, follow_redirects=False
    ) as client:
        return await crawler.run(client, start, max(1, concurrency))


@dataclass
class _Item:
    url: str
    kind: str  # "start", "sitemap" or "page"
    depth: int = 0
    nesting: int = 0
    ordinal: int = 0


@dataclass
class _Response:
    url: str
    content_type: str
    charset: str | None
    body: bytes
    headers: httpx.Headers


class _Failure(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Pacer:
    """Spaces request starts at least ``interval`` seconds apart."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


class _Crawler:
    def __init__(
        self,
        *,
        host: str,
        default_language: str,
        max_pages: int,
        max_depth: int,
        delay: float,
        timeout: float,
        max_bytes: int,
        user_agent: str,
        progress: Progress | None,
        public_only: bool = False,
    ) -> None:
        self.host = host
        self.public_only = public_only
        self.default_language = default_language
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.progress = progress
        self._client: httpx.AsyncClient | None = None
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._seen: set[str] = set()
        self._results: dict[int, ParsedDocument | PageError] = {}
        self._pages = 0
        self._sitemaps = 0
        self._robots: dict[str, Protego] = {}
        self._robots_lock = asyncio.Lock()
        self._pacer = _Pacer(delay)

    async def run(
        self, client: httpx.AsyncClient, start: str, concurrency: int
    ) -> list[ParsedDocument | PageError]:
        self._client = client
        self._seen.add(start)
        self._queue.put_nowait(_Item(start, "start"))
        workers = [asyncio.create_task(self._work()) for _ in range(concurrency)]
        joined = asyncio.create_task(self._queue.join())
        try:
            done, _ = await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
            for task in done - {joined}:
                task.result()  # a worker only ends by raising (a failing progress callback)
        finally:
            for task in [joined, *workers]:
                task.cancel()
            await asyncio.gather(joined, *workers, return_exceptions=True)
        return [self._results[n] for n in sorted(self._results)]

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._visit(item)
            except _Failure as exc:
                self._report(item, PageError(item.url, str(exc)))
            except Exception:  # one page's surprise must not stop the crawl
                log.exception("crawl failed on a page", extra={"url": item.url})
                self._report(item, PageError(item.url, "unexpected error (see the server log)"))
            finally:
                self._queue.task_done()

    def _report(self, item: _Item, result: ParsedDocument | PageError) -> None:
        self._results[item.ordinal] = result
        if item.kind != "sitemap" and self.progress:
            self.progress(len(self._results), self._pages, item.url)

    def _schedule(self, url: str, kind: str, depth: int = 0, nesting: int = 0) -> None:
        if url in self._seen or urlsplit(url).hostname != self.host:
            return
        if kind == "page":
            if self._pages >= self.max_pages:
                return
            self._pages += 1
        elif kind == "sitemap":
            if self._sitemaps >= MAX_SITEMAPS:
                return
            self._sitemaps += 1
        self._seen.add(url)
        ordinal = len(self._seen)
        self._queue.put_nowait(_Item(url, kind, depth, nesting, ordinal))

    async def _visit(self, item: _Item) -> None:
        if item.kind == "start":
            self._pages += 1  # the start counts as a page until it proves a sitemap
        if len(item.url) > MAX_URL_CHARS:
            raise _Failure(f"URL longer than {MAX_URL_CHARS} characters")
        if not await self._allowed(item.url):
            raise _Failure("disallowed by robots.txt")
        response = await self._get(item.url)
        if item.kind in ("start", "sitemap"):
            locations = _sitemap_locations(response, self.max_bytes)
            if locations is not None:
                if item.kind == "start":
                    self._pages -= 1
                self._expand_sitemap(item, *locations)
                return
            if item.kind == "sitemap":
                raise _Failure("not a sitemap (expected <urlset> or <sitemapindex>)")
        if response.url != item.url:
            if response.url in self._seen:
                return  # a redirect to a page that is fetched anyway
            self._seen.add(response.url)
        self._report(item, await self._document(item, response))

    def _expand_sitemap(self, item: _Item, kind: str, locations: list[str]) -> None:
        for location in locations:
            target = urldefrag(urljoin(item.url, location)).url
            if kind == "sitemapindex":
                if item.nesting < MAX_SITEMAP_NESTING:
                    self._schedule(target, "sitemap", nesting=item.nesting + 1)
            else:
                self._schedule(target, "page")

    async def _document(self, item: _Item, response: _Response) -> ParsedDocument | PageError:
        kind = _CONTENT_KINDS.get(response.content_type)
        if kind is None and response.content_type in ("", "application/octet-stream"):
            kind = SUPPORTED_SUFFIXES.get(_suffix(response.url))
        if kind is None or kind == "faq":
            shown = response.content_type or "none"
            return PageError(response.url, f"unsupported content type '{shown}'")
        robots_tag = response.headers.get("x-robots-tag", "").lower()
        if kind == "html":
            want_links = item.depth < self.max_depth and "nofollow" not in robots_tag
            meta, links = await asyncio.to_thread(
                _page_signals, response.body, response.url, want_links
            )
            robots_tag += " " + meta
            for link in links if "nofollow" not in meta else []:
                if urlsplit(link).hostname == self.host and await self._allowed(link):
                    self._schedule(link, "page", depth=item.depth + 1)
        if "noindex" in robots_tag:
            return PageError(response.url, "the page asks not to be indexed (noindex)")
        body = response.body
        if not body.strip():
            return PageError(response.url, "empty page")
        if kind in ("html", "text", "markdown") and response.charset:
            body = _to_utf8(body, response.charset)
        try:
            return await asyncio.to_thread(
                parse_bytes,
                body,
                kind,
                response.url,
                _fallback_title(response.url),
                self.default_language,
                _suffix(response.url),
                response.url,
            )
        except SourceError as exc:
            return PageError(response.url, str(exc))

    async def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._robots_lock:
            if origin not in self._robots:
                self._robots[origin] = await self._load_robots(origin)
        return self._robots[origin].can_fetch(url, self.user_agent)

    async def _load_robots(self, origin: str) -> Protego:
        try:
            response = await self._get(f"{origin}/robots.txt", MAX_ROBOTS_BYTES, robots=False)
            rules = Protego.parse(response.body.decode("utf-8", "replace"))
        except _Failure as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return Protego.parse("")  # no robots.txt: everything is allowed
            log.warning("robots.txt unavailable, nothing fetched", extra={"origin": origin})
            return Protego.parse("User-agent: *\nDisallow: /")
        wait = rules.crawl_delay(self.user_agent) or 0.0
        rate = rules.request_rate(self.user_agent)
        if rate is not None and rate.requests > 0:
            wait = max(wait, rate.seconds / rate.requests)
        # Honoured up to a bound: a site asking for an hour between requests would hold a
        # job runner (shared by every tenant) for days.
        self._pacer.interval = max(self._pacer.interval, min(wait, MAX_CRAWL_DELAY))
        return rules

    async def _get(self, url: str, limit: int | None = None, robots: bool = True) -> _Response:
        assert self._client is not None
        limit = limit or self.max_bytes
        for _ in range(MAX_REDIRECTS + 1):
            address = await _public_address(url) if self.public_only else None
            await self._pacer.wait()
            try:
                async with asyncio.timeout(self.timeout):
                    response = await self._fetch(self._client, url, limit, address)
            except (TimeoutError, httpx.TimeoutException) as exc:
                raise _Failure(f"timed out after {self.timeout:g} s") from exc
            except httpx.HTTPError as exc:
                raise _Failure(f"request failed: {exc or type(exc).__name__}") from exc
            if isinstance(response, _Response):
                return response
            target = urldefrag(urljoin(url, response)).url
            if urlsplit(target).hostname != self.host:
                raise _Failure(f"redirected to another host: {target[:200]}")
            if robots and not await self._allowed(target):
                raise _Failure(f"redirected to a URL robots.txt disallows: {target[:200]}")
            url = target
        raise _Failure(f"more than {MAX_REDIRECTS} redirects")

    async def _fetch(
        self, client: httpx.AsyncClient, url: str, limit: int, address: str | None = None
    ) -> _Response | str:
        """The response, or the Location it redirects to. With ``address``, the connection
        goes to that already checked address (the Host header and TLS name stay the
        host's), so a DNS answer that changes after the check cannot redirect it."""
        target, headers, extensions = url, {}, {}
        if address is not None:
            parts = urlsplit(url)
            literal = f"[{address}]" if ":" in address else address
            netloc = literal + (f":{parts.port}" if parts.port else "")
            target = parts._replace(netloc=netloc).geturl()
            headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
            extensions["sni_hostname"] = parts.hostname or ""
        request = client.build_request("GET", target, headers=headers, extensions=extensions)
        response = await client.send(request, stream=True)
        try:
            if response.is_redirect and response.headers.get("location"):
                return response.headers["location"]
            if response.status_code != 200:
                raise _Failure(f"HTTP {response.status_code}", response.status_code)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _Failure(_too_large(limit))
            body = bytearray()
            async for part in response.aiter_bytes():
                body += part
                if len(body) > limit:
                    raise _Failure(_too_large(limit))
            content_type, _, params = response.headers.get("content-type", "").partition(";")
            charset = next(
                (
                    p.split("=", 1)[1].strip().strip("\"'")
                    for p in params.split(";")
                    if p.strip().lower().startswith("charset=")
                ),
                None,
            )
            return _Response(
                url, content_type.strip().lower(), charset, bytes(body), response.headers
            )
        finally:
            await response.aclose()


async def _public_address(url: str) -> str:
    """The address to connect to for ``url``'s host, when every address it resolves to is
    public; else a failure. The caller connects to exactly this address."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = await resolve(url)
    except OSError as exc:
        raise _Failure(f"cannot resolve {host}") from exc
    if not addresses or not all(is_public(a) for a in addresses):
        raise _Failure(f"{host} is a private or local address: not fetched")
    return str(addresses[0])


def _to_utf8(body: bytes, charset: str) -> bytes:
    """The body re-encoded as UTF-8, per the charset the server declared."""
    try:
        return body.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return body  # the parser sniffs the document's own declaration


def _too_large(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"larger than {limit / (1024 * 1024):g} MB"
    return f"larger than {limit} bytes"


def _suffix(url: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return f".{name.rsplit('.', 1)[-1].lower()}" if "." in name else ""


def _fallback_title(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return name or parts.hostname or url


def _sitemap_locations(response: _Response, max_bytes: int) -> tuple[str, list[str]] | None:
    """("urlset" | "sitemapindex", the <loc> URLs), or None when this is no sitemap."""
    body = response.body
    looks_xml = (
        response.content_type in _XML_TYPES
        or _suffix(response.url) in (".xml", ".gz")
        or body.lstrip()[:5] == b"<?xml"
    )
    if not looks_xml or response.content_type in _CONTENT_KINDS:
        return None
    if body[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, max_bytes + 1)
        except zlib.error as exc:
            raise _Failure(f"not a valid gzip file ({exc})") from exc
        if len(body) > max_bytes:
            raise _Failure(_too_large(max_bytes))
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError:
        return None
    kind = lxml.etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return None
    parent = "url" if kind == "urlset" else "sitemap"
    locations = [
        (element.text or "").strip()
        for element in root.iter(lxml.etree.Element)
        if lxml.etree.QName(element).localname == "loc"
        and (up := element.getparent()) is not None
        and lxml.etree.QName(up).localname == parent
    ]
    return kind, [loc for loc in locations if loc]


def _page_signals(body: bytes, base: str, want_links: bool) -> tuple[str, list[str]]:
    """The page's robots meta directives (lower case) and, when wanted, its links."""
    try:
        root = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return "", []
    values = root.xpath("//meta[translate(@name, 'ROBTS', 'robts')='robots']/@content")
    meta = " ".join(str(v) for v in values).lower()
    if not want_links:
        return meta, []
    base_href = next(iter(root.xpath("//base/@href")), None)
    if isinstance(base_href, str):
        base = urljoin(base, base_href.strip())
    links = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or "nofollow" in (anchor.get("rel") or "").lower():
            continue
        target = urldefrag(urljoin(base, href)).url
        parts = urlsplit(target)
        if parts.scheme in ("http", "https") and not parts.path.lower().endswith(
            _SKIPPED_LINK_SUFFIXES
        ):
            links.append(target)
    return meta, links
