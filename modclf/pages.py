"""Preprocessing: one raw page (bytes or str, plain text or HTML) -> its ordered text blocks.

Plain text is one block per non-blank line. HTML is rendered to its visible text blocks in
document order; script, style, template, iframe and hidden content is dropped, and each block keeps
a little DOM context (tag, class/id words, link density) that the segmentation model may use.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from modclf.errors import InputError

logger = logging.getLogger(__name__)

FORMATS = ("auto", "text", "html")

# Elements whose whole subtree is never visible text.
_DROPPED_TAGS = frozenset(
    "script style noscript template iframe frame frameset object embed svg canvas math head "
    "select option datalist button input textarea audio video source track map area".split()
)
# Elements that start a new text block.
_BLOCK_TAGS = frozenset(
    "p div li ul ol dl dd dt h1 h2 h3 h4 h5 h6 td th tr table thead tbody tfoot caption blockquote "
    "pre section article header footer nav aside main figure figcaption address details summary "
    "form fieldset legend hr br center body html label".split()
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = re.compile(r"\s+")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HTML_SNIFF = re.compile(
    r"<(!doctype\s+html|html|head|body|div|p|br|span|table|meta|title|article|section|a\s)[\s>/]", re.I
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Longest text kept per block: a megabyte-long "line" is still one block, just not a megabyte of work.
MAX_BLOCK_CHARS = 20_000


@dataclass
class Block:
    """One text block of a page: a line of plain text, or a visible block of HTML."""

    text: str
    tag: str = ""  # HTML: the enclosing block element ("p", "li", "h2", ...); "" for plain text
    dom_words: tuple[str, ...] = ()  # HTML: class/id words of the block and its ancestors
    link_density: float = 0.0  # HTML: share of the block's characters inside <a> links
    cut: bool = False  # longer than MAX_BLOCK_CHARS: only its start was kept


@dataclass
class PageInput:
    """A page after preprocessing: its blocks, the format read and any decoding warnings."""

    blocks: list[Block]
    format: str
    warnings: list[str] = field(default_factory=list)


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' for text whose every other byte is NUL (UTF-16 of Latin script)."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding we read (NULs or many control bytes)."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head):
        return False  # UTF-16: NUL bytes are expected
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.1


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_SINGLE_BYTE_LATIN = re.compile(r"^(cp125\d|iso8859_\d+|latin_?\d|mac_\w+|cp437|cp850|ascii)$")
# Shorter texts are decoded as cp1252 when not UTF-8: charset detection needs text to go on.
MIN_DETECT_BYTES = 200


def decode_page_bytes(data: bytes) -> tuple[str, str, str]:
    """(text, encoding, how it was chosen): the one decoder of page bytes, for training and inference.

    Order: a BOM; strict UTF-8; UTF-16 without BOM; the charset an HTML <meta> declares (ISO-8859-1
    read as cp1252, as browsers do; a declared UTF-8 that does not decode is ignored);
    charset-normalizer's guess unless it is a single-byte Latin code page; cp1252.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", "byte order mark"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16", "byte order mark"
    try:
        return data.decode("utf-8"), "utf-8", "valid UTF-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data[:8192])
    if utf16:
        return data.decode(utf16, errors="replace"), utf16, "NUL byte pattern"
    match = _META_CHARSET.search(data[:10_000])
    if match:
        declared = match.group(1).decode("ascii", errors="ignore").lower()
        if declared.replace("-", "") not in ("utf8", "utf16"):
            if declared in ("iso88591", "iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
                declared = "cp1252"
            try:
                return data.decode(declared), declared, "declared by the page's <meta charset>"
            except (LookupError, UnicodeDecodeError):
                pass
    if len(data) >= MIN_DETECT_BYTES:
        try:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            # Its guesses among the single-byte Latin code pages are unreliable (Latin-1 French read
            # as cp1250: "ï" -> "ď"); cp1252 is what English pages that are not UTF-8 almost always are.
            if best is not None and best.encoding and not _SINGLE_BYTE_LATIN.match(best.encoding):
                return str(best), best.encoding, "detected by charset-normalizer"
        except Exception as exc:  # noqa: BLE001 - a detector failure must not lose the page
            logger.debug("charset detection failed: %s", exc)
    return data.decode("cp1252", errors="replace"), "cp1252", "fallback for text that is not UTF-8"


def decode_bytes(data: bytes, source: str = "input") -> tuple[str, list[str]]:
    """Decode page or field bytes (decode_page_bytes); a guessed encoding is reported as a warning."""
    if looks_binary(data):
        raise InputError(f"{source}: looks like a binary file, not a text or HTML page")
    text, encoding, how = decode_page_bytes(data)
    if encoding in ("utf-8", "utf-8-sig", "utf-16"):
        return text, []
    warning = f"{source}: not valid UTF-8; decoded as {encoding} ({how})"
    logger.warning(warning)
    return text, [warning]


def detect_format(text: str) -> str:
    """'html' when the page starts with markup and has common HTML tags, else 'text'."""
    head = text[:20_000].lstrip()
    if head.startswith("<") and _HTML_SNIFF.search(head):
        return "html"
    return "text"


def text_blocks(text: str) -> list[Block]:
    """One block per non-blank line, stripped, in input order."""
    blocks = []
    for line in _LINE_BREAK.split(text):
        line = line.strip()
        if line:
            blocks.append(Block(text=line[:MAX_BLOCK_CHARS], cut=len(line) > MAX_BLOCK_CHARS))
    return blocks


def _dom_words(element) -> list[str]:
    words = []
    for attr in ("class", "id"):
        value = element.get(attr)
        if value:
            words.extend(w for w in _WORD_SPLIT.split(_CAMEL.sub(" ", value).lower()) if w and not w.isdigit())
    return words


def _is_hidden(element) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


class _BlockBuilder:
    """Accumulates inline text into the current block; a block element boundary flushes it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.total_chars = 0
        self.context: tuple[str, tuple[str, ...]] = ("", ())

    def add(self, text: str | None, in_link: bool, context: tuple[str, tuple[str, ...]]) -> None:
        if not text:
            return
        if not self.parts:
            self.context = context
        if self.total_chars < MAX_BLOCK_CHARS:
            self.parts.append(text)
        n = len(text.strip())
        self.total_chars += n
        if in_link:
            self.link_chars += n

    def flush(self, split_lines: bool = False) -> None:
        raw = "".join(self.parts)
        pieces = _LINE_BREAK.split(raw) if split_lines else [raw]
        for piece in pieces:
            text = _SPACE.sub(" ", piece).strip()
            if text:
                tag, words = self.context
                density = self.link_chars / self.total_chars if self.total_chars else 0.0
                cut = len(text) > MAX_BLOCK_CHARS or self.total_chars > MAX_BLOCK_CHARS
                self.blocks.append(Block(text[:MAX_BLOCK_CHARS], tag, words, round(min(density, 1.0), 3), cut))
        self.parts, self.link_chars, self.total_chars = [], 0, 0


def html_blocks(html: str) -> list[Block]:
    """Visible text blocks of an HTML document in document order, with their DOM context."""
    from lxml import etree
    from lxml import html as lxml_html

    # lxml refuses str input that carries its own encoding declaration; the text is already decoded.
    html = _XML_DECLARATION.sub("", html.replace("\x00", ""), count=1)
    if not html.strip():
        return []
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse HTML: {exc}") from exc

    builder = _BlockBuilder()
    # Stack of (tag, words) for open elements; hidden/dropped subtrees are skipped by depth counting.
    stack: list[tuple[str, list[str], bool]] = []
    skip_depth = 0
    link_depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):
            # Comments and processing instructions are invisible, but their tail text is not.
            if not skip_depth and stack:
                builder.add(element.tail, link_depth > 0, (stack[-1][0], tuple(dict.fromkeys(stack[-1][1]))))
            continue
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower().rsplit("}", 1)[-1]
        if event == "start":
            dropped = not tag or tag in _DROPPED_TAGS or _is_hidden(element)
            if skip_depth or dropped:
                skip_depth += 1
                continue
            is_block = tag in _BLOCK_TAGS
            if is_block:
                builder.flush()
            parent_words = stack[-1][1] if stack else []
            words = (parent_words + _dom_words(element))[-24:]
            stack.append((tag if is_block else (stack[-1][0] if stack else ""), words, is_block))
            if tag == "a":
                link_depth += 1
            builder.add(element.text, link_depth > 0, (stack[-1][0], tuple(dict.fromkeys(words))))
            if tag == "pre":
                builder.flush(split_lines=True)
        else:
            if skip_depth:
                skip_depth -= 1
                if skip_depth:
                    continue
                # The dropped subtree's root ends here; its tail is visible text of its parent.
                if stack:
                    builder.add(element.tail, link_depth > 0, (stack[-1][0], tuple(dict.fromkeys(stack[-1][1]))))
                continue
            if not stack:
                continue
            _, _, is_block = stack.pop()
            if tag == "a":
                link_depth = max(0, link_depth - 1)
            if is_block:
                builder.flush(split_lines=tag == "pre")
            if stack:
                builder.add(element.tail, link_depth > 0, (stack[-1][0], tuple(dict.fromkeys(stack[-1][1]))))
    builder.flush()
    return builder.blocks


def read_page(page: str | bytes, fmt: str = "auto", source: str = "input") -> PageInput:
    """Read one raw page into blocks.

    Args:
        page: the page as text or raw bytes (decode_bytes: UTF-8, else a detected charset, reported).
        fmt: "auto" (detect), "text" or "html".
        source: a name for the page used in warnings and errors.

    Example:
        >>> read_page("Title\\n\\nFirst paragraph.").blocks[1].text
        'First paragraph.'
    """
    if fmt not in FORMATS:
        raise InputError(f"{source}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    warnings: list[str] = []
    if isinstance(page, bytes):
        page, warnings = decode_bytes(page, source)
    elif not isinstance(page, str):
        raise InputError(f"{source}: a page must be str or bytes, got {type(page).__name__}")
    if fmt == "auto":
        fmt = detect_format(page)
    blocks = html_blocks(page) if fmt == "html" else text_blocks(page)
    cut = sum(block.cut for block in blocks)
    if cut:
        warning = (f"{source}: {cut} block(s) longer than {MAX_BLOCK_CHARS:,} characters; only their first "
                   f"{MAX_BLOCK_CHARS:,} are read")
        logger.warning(warning)
        warnings = [*warnings, warning]
    return PageInput(blocks=blocks, format=fmt, warnings=warnings)
