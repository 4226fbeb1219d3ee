"""The executors' image fetch keeps the worker's guards (src/fetch/): refused addresses, caps, timeouts."""

import http.server
import socket
import threading
from pathlib import Path

import pytest

from iw_backfill.errors import BackfillError
from iw_backfill.fetch import FetchOptions, address_allowed, check_url, fetch_image

REPO = Path(__file__).resolve().parents[2]
PHOTO = (REPO / "test/fixtures/images/photo-coffee.jpg").read_bytes()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0",
        "224.0.0.1", "255.255.255.255", "240.0.0.1", "192.0.2.1", "198.18.0.1", "::1", "::", "fe80::1",
        "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::",
        "2001:db8::1", "2001::1",
    ],
)
def test_refused_addresses(address):
    assert not address_allowed(address, ())


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address):
    assert address_allowed(address, ())


def test_allow_private_lets_a_listed_address_through():
    assert address_allowed("127.0.0.1", ("127.0.0.1",))
    assert not address_allowed("127.0.0.2", ("127.0.0.1",))


@pytest.mark.parametrize(
    ("url", "code", "hosts"),
    [
        ("ftp://example.com/a.jpg", "IW_FETCH_BAD_URL", ("*",)),
        ("http://user:pw@example.com/a.jpg", "IW_FETCH_BAD_URL", ("*",)),
        ("", "IW_FETCH_BAD_URL", ("*",)),
        ("http://example.com:99999/", "IW_FETCH_BAD_URL", ("*",)),
        ("http://evil.com/a.jpg", "IW_FETCH_HOST_REFUSED", ("*.example.com",)),
        ("http://169.254.169.254/latest/meta-data", "IW_FETCH_ADDRESS_REFUSED", ("*",)),
        ("http://[::ffff:127.0.0.1]/a.jpg", "IW_FETCH_ADDRESS_REFUSED", ("*",)),
    ],
)
def test_urls_refused_before_any_connection(url, code, hosts):
    with pytest.raises(BackfillError) as caught:
        check_url(url, FetchOptions(allowed_hosts=hosts))
    assert caught.value.code == code


class Handler(http.server.BaseHTTPRequestHandler):
    hits: dict = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/photo.jpg":
            self._send(200, PHOTO)
        elif self.path == "/svg":
            self._send(200, b"<svg xmlns='http://www.w3.org/2000/svg'/>")
        elif self.path == "/big":
            self._send(200, PHOTO * 4)
        elif self.path.startswith("/redirect/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", "/photo.jpg" if n == 0 else f"/redirect/{n - 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/to-metadata":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/flaky":
            self._send(503 if Handler.hits[self.path] < 3 else 200, PHOTO)
        elif self.path == "/slow":
            import time

            time.sleep(1.5)
            self._send(200, PHOTO)
        else:
            self._send(404, b"no")

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


LOOPBACK = FetchOptions(allow_private=("127.0.0.1",), base_delay_s=0.01, total_timeout_s=1.0)


def test_fetches_an_image_and_follows_redirects(server):
    assert fetch_image(f"{server}/photo.jpg", LOOPBACK) == PHOTO
    assert fetch_image(f"{server}/redirect/2", LOOPBACK) == PHOTO


@pytest.mark.parametrize(
    ("path", "options", "code"),
    [
        ("/photo.jpg", FetchOptions(), "IW_FETCH_ADDRESS_REFUSED"),  # loopback not allowed by default
        ("/svg", LOOPBACK, "IW_IMAGE_UNSUPPORTED"),
        ("/big", FetchOptions(allow_private=("127.0.0.1",), max_bytes=len(PHOTO)), "IW_IMAGE_TOO_LARGE"),
        ("/redirect/5", LOOPBACK, "IW_FETCH_TOO_MANY_REDIRECTS"),
        ("/to-metadata", LOOPBACK, "IW_FETCH_ADDRESS_REFUSED"),
        ("/missing", LOOPBACK, "IW_FETCH_HTTP_STATUS"),
        ("/slow", FetchOptions(allow_private=("127.0.0.1",), total_timeout_s=0.3, attempts=1), "IW_FETCH_TIMEOUT"),
    ],
)
def test_guarded_failures_carry_the_worker_codes(server, path, options, code):
    with pytest.raises(BackfillError) as caught:
        fetch_image(server + path, options)
    assert caught.value.code == code


def test_a_transient_failure_is_retried(server):
    assert fetch_image(f"{server}/flaky", LOOPBACK) == PHOTO
    assert Handler.hits["/flaky"] == 3


def test_a_refused_address_never_gets_a_connection(server, monkeypatch):
    connects = []
    real = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: connects.append(addr) or real(self, addr))
    with pytest.raises(BackfillError):
        fetch_image(f"{server}/photo.jpg", FetchOptions())
    assert connects == []
