"""Image fetch inside the executors, under the worker's guards (src/fetch/):

http(s) only, no credentials, a host allowlist, every resolved address checked right before the
socket connects (refused: loopback, private, CGNAT, link-local incl. metadata, multicast, reserved,
documentation, benchmark, and IPv6 forms embedding a refused IPv4) unless `allow_private` lists it,
each redirect re-checked, connect and total timeouts, a byte cap, and the real type sniffed (SVG and
other text formats refused). Errors carry the worker's codes; transient ones are retried with
backoff within the attempts.
"""

from __future__ import annotations

import http.client
import ipaddress
import random
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from .errors import BackfillError

_NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]
_EXTRA_REFUSED = [ipaddress.ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24", "100::/64", "2001::/32")]
MAX_URL_LENGTH = 8192


@dataclass(frozen=True)
class FetchOptions:
    allowed_hosts: tuple[str, ...] = ("*",)
    allow_private: tuple[str, ...] = ()
    connect_timeout_s: float = 2.0
    total_timeout_s: float = 5.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 3
    attempts: int = 3
    base_delay_s: float = 0.1
    user_agent: str = "integrity-worker-backfill"


def _embedded_v4(address: ipaddress.IPv6Address):
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if int(address) >> 32 == 0 and int(address) > 1:  # IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in n for n in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(text: str, allow_private: tuple[str, ...]) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if any(address in ipaddress.ip_network(n, strict=False) for n in allow_private):
        return True
    if address.version == 6:
        inner = _embedded_v4(address)
        if inner is not None:
            return address_allowed(str(inner), allow_private)
    if address.is_multicast or any(address in n for n in _EXTRA_REFUSED):
        return False
    return address.is_global


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for rule in allowed:
        if rule == "*" or rule == host or (rule.startswith("*.") and host.endswith(rule[1:])):
            return True
    return False


def check_url(raw: str, options: FetchOptions, base: str | None = None) -> urllib.parse.SplitResult:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_URL_LENGTH:
        raise BackfillError("IW_FETCH_BAD_URL", "image URL is empty or too long")
    try:
        url = urllib.parse.urlsplit(urllib.parse.urljoin(base, raw) if base else raw)
        host, _port = url.hostname, url.port
    except ValueError as error:
        raise BackfillError("IW_FETCH_BAD_URL", "image URL does not parse") from error
    if url.scheme not in ("http", "https"):
        raise BackfillError("IW_FETCH_BAD_URL", "image URL is not http or https")
    if url.username is not None or url.password is not None:
        raise BackfillError("IW_FETCH_BAD_URL", "image URL carries credentials")
    if not host:
        raise BackfillError("IW_FETCH_BAD_URL", "image URL has no host")
    if not host_allowed(host, options.allowed_hosts):
        raise BackfillError("IW_FETCH_HOST_REFUSED", "image host is not allowed")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(str(literal), options.allow_private):
        raise BackfillError("IW_FETCH_ADDRESS_REFUSED", "image host is a refused address")
    return url


def _connect(host: str, port: int, options: FetchOptions, deadline: float) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise BackfillError("IW_FETCH_NETWORK", f"cannot resolve {host}", retriable=False) from error
    if not infos:
        raise BackfillError("IW_FETCH_NETWORK", "host has no addresses")
    for *_rest, sockaddr in infos:
        if not address_allowed(sockaddr[0], options.allow_private):
            raise BackfillError("IW_FETCH_ADDRESS_REFUSED", "host resolves to a refused address")
    family, kind, proto, _name, sockaddr = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.settimeout(max(0.001, min(options.connect_timeout_s, deadline - time.monotonic())))
    try:
        sock.connect(sockaddr)  # the checked address itself: no second lookup, no rebinding window
    except (TimeoutError, socket.timeout) as error:
        sock.close()
        raise BackfillError("IW_FETCH_TIMEOUT", "connect timed out", True) from error
    except OSError as error:
        sock.close()
        raise BackfillError("IW_FETCH_NETWORK", f"connect: {error}", True) from error
    return sock


class _GuardedConnection(http.client.HTTPConnection):
    def __init__(self, url, options: FetchOptions, deadline: float):
        port = url.port or (443 if url.scheme == "https" else 80)
        super().__init__(url.hostname, port)
        self._url, self._options, self._deadline = url, options, deadline

    def connect(self):
        sock = _connect(self._url.hostname, self.port, self._options, self._deadline)
        if self._url.scheme == "https":
            try:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self._url.hostname)
            except ssl.SSLError as error:
                sock.close()
                raise BackfillError("IW_FETCH_NETWORK", f"tls: {error}") from error
        self.sock = sock


def sniff_image_type(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if len(data) >= 16 and data[4:8] == b"ftyp":
        brands = {data[i : i + 4] for i in range(8, min(len(data), 64), 4)}
        if brands & {b"avif", b"avis"}:
            return "image/avif"
        if brands & {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1", b"mif2"}:
            return "image/heif"
    if data[:2] == b"BM" and len(data) >= 18 and int.from_bytes(data[14:18], "little") in (12, 16, 40, 52, 56, 64, 108, 124):
        return "image/bmp"
    return None


def _fetch_once(raw_url: str, options: FetchOptions) -> bytes:
    deadline = time.monotonic() + options.total_timeout_s
    url = check_url(raw_url, options)
    for _hop in range(options.max_redirects + 1):
        connection = _GuardedConnection(url, options, deadline)
        try:
            path = url.path or "/"
            if url.query:
                path += "?" + url.query
            connection.request(
                "GET",
                path,
                headers={"User-Agent": options.user_agent, "Accept": "image/*", "Accept-Encoding": "identity"},
            )
            # Each receive is bounded by what is left; the deadline is checked between receives.
            connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
            response = connection.getresponse()
            status = response.status
            if status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise BackfillError("IW_FETCH_HTTP_STATUS", f"redirect {status} without Location")
                url = check_url(location, options, base=urllib.parse.urlunsplit(url))
                continue
            if status >= 500 or status == 429:
                raise BackfillError("IW_FETCH_HTTP_5XX", f"image server answered {status}", True)
            if status != 200:
                raise BackfillError("IW_FETCH_HTTP_STATUS", f"image server answered {status}")
            length = response.getheader("Content-Length")
            if length is not None and length.isdigit() and int(length) > options.max_bytes:
                raise BackfillError("IW_IMAGE_TOO_LARGE", "Content-Length exceeds the byte cap")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise BackfillError("IW_FETCH_TIMEOUT", "total deadline passed", True)
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > options.max_bytes:
                    raise BackfillError("IW_IMAGE_TOO_LARGE", "image body exceeds the byte cap")
                chunks.append(chunk)
            data = b"".join(chunks)
            if sniff_image_type(data[:64]) is None:
                raise BackfillError("IW_IMAGE_UNSUPPORTED", "image bytes are not an accepted type")
            return data
        except (TimeoutError, socket.timeout) as error:
            raise BackfillError("IW_FETCH_TIMEOUT", "image fetch timed out", True) from error
        except (OSError, http.client.HTTPException) as error:
            raise BackfillError("IW_FETCH_NETWORK", f"image fetch failed: {error}", True) from error
        finally:
            connection.close()
    raise BackfillError("IW_FETCH_TOO_MANY_REDIRECTS", f"more than {options.max_redirects} redirects")


def fetch_image(url: str, options: FetchOptions) -> bytes:
    """The image's bytes, or BackfillError with the worker's fetch codes after the attempts."""
    for attempt in range(1, options.attempts + 1):
        try:
            return _fetch_once(url, options)
        except BackfillError as error:
            if not error.retriable or attempt == options.attempts:
                raise
            time.sleep(random.uniform(0, options.base_delay_s * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")
