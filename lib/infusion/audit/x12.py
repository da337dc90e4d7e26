"""Claim lines from an ASC X12 837 claim file: 837P (professional, 005010X222) and 837I
(institutional, 005010X223), as practice-management systems and clearinghouses send them.

The file is read segment by segment (plain or compressed; delimiters from its ISA header) and each
service line becomes one row of the audit's canonical columns, as text:

* ``claim_id``: CLM01, the claim's submitter identifier;
* ``line_number``: LX01, the service line number;
* ``date_of_service``: the line's DTP*472 (its first date when a range), else the claim's DTP*472,
  else the first date of the claim's DTP*434 statement period (837I);
* ``code`` and ``modifiers``: SV101 (837P) or SV202 (837I), ``HC:code:modifier:...``; an 837I line
  with a revenue code (SV201) and no procedure code is read as ``R`` + the revenue code (``R0250``):
  a line, never one of the audited codes, not a reject;
* ``units``: SV104 (837P) or SV205 (837I) when SV103 / SV204 is UN; a quantity in minutes (MJ)
  or any other basis is kept as text saying so, and its line is rejected (not converted);
* ``pos``: SV105 when the line gives one, else CLM05-1 (837P); none on 837I;
* ``claim_type``: ``professional`` (837P) or the type of bill, CLM05-1 with CLM05-3 (837I, ``131``);
* ``claim_frequency``: CLM05-3 (``1`` original, ``7`` replacement, ``8`` void);
* ``payer``: the payer's name (NM1*PR of the subscriber's loop; the other payers a claim names for
  coordination of benefits are not it);
* ``zip``: of the service facility (NM1*77 then N4) when the claim names one, else of the billing
  provider (NM1*85 then N4): the locality of the Medicare price;
* ``provider``: the NPI of the rendering provider (NM1*82) of the line, else of the claim, else the
  billing provider's (NM1*85).

The service lines of a void claim (CLM05-3 frequency code 8: it cancels an earlier claim) are rows
like any other, with their frequency: the reading leaves them out and counts them, as it does a
table's. An 837 carries no infusion start and stop times. Subscriber and patient segments (names, member
ids, dates of birth, addresses) are skipped and never kept. Lines are numbered in file order
(data rows); ``segments`` gives, for each, the position of its SV1/SV2 segment in the file, which
the rejects show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..bounds import MAX_RECORD_BYTES, MAX_TOTAL_BYTES
from ..errors import InputError, shown
from .values import text_batch

COLUMNS = [
    "claim_id",
    "line_number",
    "date_of_service",
    "code",
    "modifiers",
    "units",
    "pos",
    "claim_type",
    "claim_frequency",
    "payer",
    "zip",
    "provider",
]
TIMED_FAMILY = ("96369", "96370", "96371", "96372")  # as audit.read.FAMILY (which imports this module)
SKIPPED = "the 837's subscriber and patient segments (names, member ids, dates of birth, addresses)"


def _head(path: Path) -> bytes:
    """The first 512 bytes of ``path`` (decompressed), BOM and leading whitespace dropped; b"" when
    it cannot be read."""
    try:
        with pa.input_stream(str(path), compression="detect") as fh:
            return bytes(fh.read(512)).lstrip(b"\xef\xbb\xbf \t\r\n")
    except (pa.ArrowException, OSError):
        return b""


def is_x12(path: Path) -> bool:
    """Whether ``path`` (plain or compressed) starts with an X12 interchange header (ISA)."""
    return _head(path).startswith(b"ISA")


def missing_envelope(path: Path) -> bool:
    """Whether ``path`` starts like X12 segments (GS, ST, BHT) without the ISA interchange header."""
    return bool(re.match(rb"(GS|ST|BHT)\*[^~\n]*[~\n]", _head(path)))


@dataclass
class _Claim:
    """What the segments of one claim have said so far."""

    claim_id: str | None = None
    pos: str | None = None
    claim_type: str | None = None
    date: str | None = None  # DTP*472 at claim level
    statement: str | None = None  # DTP*434, first date (837I)
    facility_zip: str | None = None
    rendering: str | None = None  # NPI of the claim's rendering provider (NM1*82)
    frequency: str | None = None  # CLM05-3: 1 original, 7 replacement, 8 void


@dataclass
class _Line:
    number: str | None = None
    segment: int = 0
    code: str | None = None
    modifiers: str | None = None
    units: str | None = None
    pos: str | None = None
    date: str | None = None
    rendering: str | None = None  # NPI of the line's rendering provider (NM1*82 after SV1)
    has_service: bool = False


@dataclass
class X12Reader:
    """Iterates an 837 file as record batches of ``COLUMNS`` (see the module doc)."""

    path: Path
    batch_rows: int = 1 << 16
    segments: list[int] = field(default_factory=list)  # per data row: its SV1/SV2 segment number
    bytes_read: int = 0
    notes: list[str] = field(default_factory=list)  # what the reading found irregular, for the user

    def batches(self) -> Iterator[pa.RecordBatch]:
        state = _State(self)
        opened = {"ISA": 0, "GS": 0, "ST": 0}  # envelopes open: each closed by its trailer
        closes = {"IEA": "ISA", "GE": "GS", "SE": "ST"}
        number = 0
        for number, seg, comp in self._segments():
            tag = seg[0]
            if tag in opened:
                opened[tag] += 1
            elif tag in closes:
                opened[closes[tag]] -= 1
            if tag in ("LX", "CLM", "SE", "HL", "ST"):
                state.emit()
                state.line, state.in_line = _Line(), False
            handler = _HANDLERS.get(tag)
            if handler is not None:
                handler(state, number, seg, comp)
            if len(state.cols["claim_id"]) >= self.batch_rows:
                yield text_batch(state.cols)
        if any(opened.values()):  # a file cut short (a transfer that stopped): its last claim may be partial
            trailer = ", ".join(t for t, o in closes.items() if opened[o] > 0)
            raise InputError(
                "claims",
                f"{self.path.name} is truncated: it ends at segment {number} without "
                f"the trailer(s) {trailer} that close its envelopes; ask the sender for the whole file",
            )
        state.emit()
        if state.cols["claim_id"]:
            yield text_batch(state.cols)

    def _segments(self) -> Iterator[tuple[int, list[str], str]]:
        """(segment number, its elements, the component separator), in file order."""
        with pa.input_stream(str(self.path), compression="detect") as fh:
            buf = fh.read(1 << 20)
            start = buf.find(b"ISA")
            head = buf[start : start + 200].decode("ascii", errors="replace") if start >= 0 else ""
            # the element separator follows "ISA"; ISA16, the last field, is the component
            # separator and the character after it ends the segment (offsets 104 and 105 when,
            # as the standard says, every field is padded to its length)
            fields = head[4:].split(head[3], 15) if len(head) > 3 else []
            if len(fields) < 16 or len(fields[15]) < 2:
                raise InputError("claims", f"{self.path.name}: no complete ISA interchange header")
            elem, comp, term = head[3], fields[15][0], fields[15][1]
            for name, sep in (("element separator", elem), ("component separator", comp), ("segment terminator", term)):
                if sep.isalnum() or sep == " ":  # X12 delimiters are never letters, digits or spaces
                    raise InputError(
                        "claims",
                        f"{self.path.name}: the ISA header gives {shown(sep)} as the {name}; "
                        "X12 delimiters are not letters, digits or spaces: not a readable 837",
                    )
            if len({elem, comp, term}) < 3:
                raise InputError(
                    "claims",
                    f"{self.path.name}: the ISA header gives the same character for two of its "
                    "delimiters: not a readable 837",
                )
            text_sep = term.encode("ascii")
            carry = buf[start:]
            self.bytes_read = len(buf)
            number = 0
            while True:
                pieces = carry.split(text_sep)
                carry = pieces.pop()
                for raw in pieces:
                    segment = raw.decode("utf-8", errors="replace").strip()
                    if not segment:
                        continue
                    number += 1
                    yield number, segment.split(elem), comp
                if len(carry) > MAX_RECORD_BYTES:
                    raise InputError(
                        "claims",
                        f"{self.path.name}: segment {number + 1} runs over "
                        f"{MAX_RECORD_BYTES >> 20} MB without its terminator: refused",
                    )
                more = fh.read(1 << 22)
                if not more:
                    break
                self.bytes_read += len(more)
                if self.bytes_read > MAX_TOTAL_BYTES:
                    raise InputError(
                        "claims", f"{self.path.name} unpacks to more than {MAX_TOTAL_BYTES >> 30} GB: refused"
                    )
                carry += more
            tail = carry.decode("utf-8", errors="replace").strip()
            if tail:
                number += 1
                yield number, tail.split(elem), comp


@dataclass
class _State:
    """What the segments read so far say: the transaction set's kind, the payer, the billing
    provider, the claim and the line being read, and the columns of the lines emitted."""

    reader: X12Reader
    cols: dict[str, list[str | None]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    kind: str | None = None  # "professional" / "institutional" for the transaction set
    payer: str | None = None
    billing_zip: str | None = None
    billing_npi: str | None = None
    claim: _Claim = field(default_factory=_Claim)
    line: _Line = field(default_factory=_Line)
    last_entity: str | None = None  # NM101 of the last NM1: whose N4 follows
    in_claim: bool = False
    in_line: bool = False

    def emit(self) -> None:
        """The line read so far as a row of the columns (nothing when it has no service)."""
        line, claim = self.line, self.claim
        if not line.has_service:
            return
        row = {
            "claim_id": claim.claim_id,
            "line_number": line.number,
            "date_of_service": line.date or claim.date or claim.statement,
            "code": line.code,
            "modifiers": line.modifiers,
            "units": line.units,
            "pos": (line.pos or claim.pos) if self.kind == "professional" else None,
            "claim_type": claim.claim_type,
            "claim_frequency": claim.frequency,
            "payer": self.payer,
            "zip": claim.facility_zip or self.billing_zip,
            "provider": line.rendering or claim.rendering or self.billing_npi,
        }
        for name, value in row.items():
            self.cols[name].append(value)
        self.reader.segments.append(line.segment)


def _on_st(st: _State, number: int, seg: list[str], comp: str) -> None:
    version = seg[3] if len(seg) > 3 else ""
    st.kind = "professional" if "X222" in version else "institutional" if "X223" in version else None
    if st.kind is None:
        raise InputError(
            "claims",
            f"{st.reader.path.name} segment {number}: transaction set "
            f"{seg[1] if len(seg) > 1 else '?'} {version or '(no version)'} is not "
            "an 837P (005010X222) or 837I (005010X223)",
        )
    st.payer = st.billing_zip = st.billing_npi = None


def _on_hl(st: _State, number: int, seg: list[str], comp: str) -> None:
    st.in_claim = False
    level = seg[3] if len(seg) > 3 else ""
    if level == "20":  # a billing provider: its claims follow
        st.billing_zip = st.billing_npi = st.payer = None
    elif level == "22":  # a subscriber: the payer is named in this loop
        st.payer = None


def _on_nm1(st: _State, number: int, seg: list[str], comp: str) -> None:
    st.last_entity = seg[1] if len(seg) > 1 else None
    if st.last_entity == "PR" and len(seg) > 3 and not st.in_claim:  # inside a claim: another payer (COB)
        st.payer = seg[3].strip() or None
    npi = seg[9].strip() or None if len(seg) > 9 and seg[8] == "XX" else None
    if st.last_entity == "85" and not st.in_claim:
        st.billing_npi = npi
    elif st.last_entity == "82" and st.in_claim:  # rendering provider: of the line, or of the claim
        if st.in_line:
            st.line.rendering = npi
        else:
            st.claim.rendering = npi


def _on_n4(st: _State, number: int, seg: list[str], comp: str) -> None:
    if len(seg) <= 3:
        return
    zip5 = seg[3].strip()[:5] or None
    if st.last_entity == "85":
        st.billing_zip = zip5
    elif st.last_entity == "77":
        st.claim.facility_zip = zip5
    # N4 of a subscriber (IL) or patient (QC) is never kept


def _on_clm(st: _State, number: int, seg: list[str], comp: str) -> None:
    st.in_claim = True
    claim = st.claim = _Claim(claim_id=seg[1].strip() if len(seg) > 1 else None)
    where = seg[5].split(comp) if len(seg) > 5 else []
    claim.frequency = where[2] if len(where) > 2 else None
    if st.kind == "professional":
        claim.pos = where[0] if where else None
        claim.claim_type = "professional"
    else:
        facility = where[0] if where else ""
        frequency = where[2] if len(where) > 2 else ""
        claim.claim_type = (facility + frequency) if facility else "institutional"


def _on_dtp(st: _State, number: int, seg: list[str], comp: str) -> None:
    if len(seg) <= 3:
        return
    first = seg[3].split("-")[0]
    if seg[1] == "472":
        if st.in_line:
            st.line.date = first
        else:
            st.claim.date = first
    elif seg[1] == "434" and not st.in_line:
        st.claim.statement = first


def _on_lx(st: _State, number: int, seg: list[str], comp: str) -> None:
    st.line = _Line(number=seg[1].strip() if len(seg) > 1 else None)
    st.in_line = True


def _on_service(st: _State, number: int, seg: list[str], comp: str) -> None:
    """SV1 (837P) or SV2 (837I) inside an LX loop: the line's code, modifiers, units and place."""
    if not st.in_line:
        return
    tag = seg[0]
    if st.line.has_service:  # a second service in one LX loop: both are lines, said so
        st.reader.notes.append(
            f"segment {number}: LX {st.line.number} holds a second {tag} (the first at "
            f"segment {st.line.segment}); each is read as a line of its own"
        )
        st.emit()
        st.line = _Line(number=st.line.number)
    line = st.line
    at_service = 1 if tag == "SV1" else 2  # SV2: the revenue code comes first
    parts = seg[at_service].split(comp) if len(seg) > at_service else []
    line.code = parts[1] if len(parts) > 1 else None
    if line.code is None and tag == "SV2" and len(seg) > 1 and seg[1].strip():
        line.code = "R" + seg[1].strip()[-4:]  # a revenue-code-only line: read, not audited
    line.modifiers = "|".join(m for m in parts[2:6] if m) or None
    at_units = 4 if tag == "SV1" else 5
    line.units = seg[at_units] if len(seg) > at_units else None
    basis = seg[at_units - 1].strip().upper() if len(seg) > at_units - 1 else ""
    if basis and basis != "UN" and line.units and line.code in TIMED_FAMILY:
        # SV103 / SV204 says what the quantity counts: UN is units; MJ (minutes) on a 96369-96372
        # line is not turned into units, the 837 does not say which part of the infusion it covers
        # (other codes, anesthesia among them, bill minutes rightly)
        what = "minutes" if basis == "MJ" else f"unit basis {basis}"
        line.units = f"{line.units} {what} ({tag}0{at_units - 1} {basis}, not units: not converted; bill units, UN)"
    if tag == "SV1" and len(seg) > 5 and seg[5]:
        line.pos = seg[5]
    line.segment = number
    line.has_service = True


_HANDLERS = {
    "ST": _on_st,
    "HL": _on_hl,
    "NM1": _on_nm1,
    "N4": _on_n4,
    "CLM": _on_clm,
    "DTP": _on_dtp,
    "LX": _on_lx,
    "SV1": _on_service,
    "SV2": _on_service,
}
