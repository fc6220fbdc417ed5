"""What a PDF's pages would cost to parse, measured before pdfium parses them.

pdfium parses a page's whole content stream when it loads the page: 200 MB of operators packed
into a 626 KB file take a minute and gigabytes. ``content_bytes`` adds up what the content streams
of every page (and the form XObjects they draw, once per drawing) decompress to, reading the PDF's
objects lazily with pdfminer.six (MIT; already there for pdfplumber) and inflating each stream in
slices, so it stops as soon as the budget is spent: bounded time and memory whatever the file says.
"""
from __future__ import annotations

import logging
import zlib

log = logging.getLogger(__name__)

SLICE = 1 << 20  # bytes inflated at a time
RUNLENGTH_RATIO = 128  # RunLengthDecode expands a byte pair to at most 128 bytes


def _inflated(data: bytes, budget: int) -> tuple[bytes | None, int]:
    """The inflated ``data`` when it fits in ``budget`` bytes (else None), and its size, counted
    up to just past the budget. Damaged streams count what inflates before the damage."""
    d = zlib.decompressobj()
    out, n, tail = [], 0, data
    try:
        while True:
            piece = d.decompress(tail, SLICE)
            n += len(piece)
            if n > budget:
                return None, n
            out.append(piece)
            tail = d.unconsumed_tail
            if not tail and (len(piece) < SLICE or d.eof):
                break
    except zlib.error:
        pass
    return b"".join(out), n


def stream_bytes(stream, budget: int) -> int:
    """What a pdfminer ``PDFStream`` decodes to, counted up to just past ``budget``."""
    from pdfminer.pdftypes import (LITERALS_ASCII85_DECODE, LITERALS_ASCIIHEX_DECODE, LITERALS_FLATE_DECODE,
                                   LITERALS_LZW_DECODE, LITERALS_RUNLENGTH_DECODE)
    from pdfminer.ascii85 import ascii85decode, asciihexdecode
    from pdfminer.lzw import LZWDecoder

    if stream.data is not None:
        return len(stream.data)
    data = stream.rawdata or b""
    if stream.decipher:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for f, _params in stream.get_filters():
        if f in LITERALS_FLATE_DECODE:
            data, n = _inflated(data, budget)
            if data is None:
                return n
        elif f in LITERALS_LZW_DECODE:
            import io
            out, n = [], 0
            for piece in LZWDecoder(io.BytesIO(data)).run():
                n += len(piece)
                if n > budget:
                    return n
                out.append(piece)
            data = b"".join(out)
        elif f in LITERALS_ASCII85_DECODE:
            data = ascii85decode(data)
        elif f in LITERALS_ASCIIHEX_DECODE:
            data = asciihexdecode(data)
        elif f in LITERALS_RUNLENGTH_DECODE:  # not decoded: its upper bound counts
            return len(data) * RUNLENGTH_RATIO
        else:  # images' filters and the like: no content stream uses them; as stored
            return len(data)
    return len(data)


def content_bytes(data: bytes, budget: int) -> int | None:
    """The decompressed bytes of all pages' content streams and of the form XObjects they draw,
    counted up to just past ``budget``; None when pdfminer cannot read the file's structure (pdfium
    may still: the caller goes on without this check)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream, resolve1

    import io
    sizes: dict[int, int] = {}  # a stream's size by object id: shared forms are inflated once

    def size(stream) -> int:
        key = stream.objid if stream.objid is not None else id(stream)
        if key not in sizes:
            sizes[key] = stream_bytes(stream, budget)
        return sizes[key]

    total = 0
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        for page in PDFPage.create_pages(document):
            seen: set[int] = set()
            work = [page.resources]
            total += sum(size(s) for s in page.contents if isinstance(s, PDFStream))
            while work and total <= budget:  # the forms drawn by the page, and by those forms
                resources = resolve1(work.pop())
                xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
                if not isinstance(xobjects, dict):
                    continue
                for ref in xobjects.values():
                    form = resolve1(ref)
                    if (not isinstance(form, PDFStream) or id(form) in seen
                            or getattr(resolve1(form.attrs.get("Subtype")), "name", None) != "Form"):
                        continue
                    seen.add(id(form))
                    total += size(form)
                    work.append(form.attrs.get("Resources"))
            if total > budget:
                return total
    except Exception as exc:  # noqa: BLE001 - pdfminer's many parse errors: no check, not no file
        log.info("PDF content size not measured (%s: %s)", type(exc).__name__, exc)
        return None
    return total


def repeated_pages(data: bytes, sample: int = 100) -> bool:
    """Whether the first ``sample`` pages (two or more) draw content streams of the same bytes: one
    page repeated, said so when such a PDF is refused for its page count."""
    import hashlib
    from itertools import islice

    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream

    import io
    kinds, n = set(), 0
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        for page in islice(PDFPage.create_pages(document), sample):
            kinds.add(tuple(hashlib.sha256(s.rawdata or b"").digest() for s in page.contents
                            if isinstance(s, PDFStream)))
            n += 1
            if len(kinds) > 1:
                return False
    except Exception:  # noqa: BLE001 - unreadable for pdfminer: not known to repeat
        return False
    return n >= 2 and kinds != {()}
