from pathlib import Path

from text_spam.corpus import extract, html_to_text, pin_text, tidy
from text_spam.peers import strip_headers

ROOT = Path(__file__).resolve().parents[2]


def test_headers_are_dropped_but_subject_kept():
    raw = b"Received: from evil\nFrom: a@b.c\nSubject: Cheap =?utf-8?q?pills=21?=\nX-List: ilug\n\nHello there\n"
    subject, body = extract(raw)
    assert subject == "Cheap pills!"
    assert body == "Hello there"
    assert "ilug" not in pin_text(subject, body, "")


def test_quoted_printable_and_charset_are_decoded():
    raw = (b"Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n"
           b"Content-Transfer-Encoding: quoted-printable\n\nCaf=E9 au lait=\n suite\n")
    assert extract(raw)[1] == "Caf\u00e9 au lait suite"


def test_base64_html_part_is_stripped_and_links_kept():
    import base64

    html = b"<html><head><style>p{}</style></head><body><p>Win <a href='http://x.biz/a'>now</a>&amp; more</p></body></html>"
    raw = (b"Subject: y\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\n"
           b"Content-Type: text/html\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(html) +
           b"\n--ZZ\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nattached\n--ZZ--\n")
    subject, body = extract(raw)
    assert "http://x.biz/a" in body and "Win" in body and "& more" in body
    assert "<" not in body and "p{}" not in body and "attached" not in body


def test_plain_part_preferred_over_html_alternative():
    raw = (b"Subject: z\nContent-Type: multipart/alternative; boundary=B\n\n--B\nContent-Type: text/plain\n\nplain\n"
           b"--B\nContent-Type: text/html\n\n<p>html</p>\n--B--\n")
    assert extract(raw)[1] == "plain"


def test_html_stripper_skips_scripts():
    assert html_to_text("<script>var a=1</script><b>bold</b>").strip() == "bold"


def test_tidy_collapses_whitespace():
    assert tidy("a \t b\r\n\r\n\r\n\r\nc  \n") == "a b\n\nc"


def test_peer_header_stripping_keeps_subject_and_mime():
    out = strip_headers(b"Received: x\n  y\nSubject: s\nContent-Type: text/plain;\n  charset=us-ascii\nTo: t\n\nbody\n")
    assert out == b"Subject: s\nContent-Type: text/plain;\n  charset=us-ascii\n\nbody\n"
