"""X12 text for the tests: the ISA interchange header, whose fields have fixed widths."""

from __future__ import annotations


def isa(
    elem: str = "*", comp: str = ":", term: str = "~", sender: str = "SUBMITTER", receiver: str = "RECEIVER"
) -> str:
    """An ISA header of the standard's 106 characters, with the given separators."""
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        sender.ljust(15),
        "ZZ",
        receiver.ljust(15),
        "260302",
        "1200",
        "^",
        "00501",
        "000000001",
        "0",
        "T",
        comp,
    ]
    header = elem.join(fields) + term
    assert len(header) == 106
    return header


def x12_file(codes: list[str], claim_id: str = "P001") -> str:
    """An 837P with one claim of ``claims_id``, one LX loop per code (1 unit each; 96369 then its
    add-ons), a Medicare payer, an illustrative subscriber, and its trailers."""
    lines = []
    for i, code in enumerate(codes, start=1):
        lines += [f"LX*{i}", f"SV1*HC:{code}*100*UN*1***1"]
    segments = [
        "GS*HC*SUBMITTER*RECEIVER*20260302*1200*1*X*005010X222A1",
        "ST*837*0001*005010X222A1",
        "BHT*0019*00*0123*20260302*1200*CH",
        "HL*1**20*1",
        "NM1*85*2*ILLUSTRATIVE INFUSION CLINIC*****XX*1234567893",
        "N3*1 MAIN ST",
        "N4*SAN FRANCISCO*CA*941031234",
        "HL*2*1*22*0",
        "SBR*P*18*******MB",
        "NM1*IL*1*PATIENT*ILLUSTRATIVE****MI*1AB2CD3EF45",
        "NM1*PR*2*MEDICARE PART B*****PI*01112",
        f"CLM*{claim_id}*300***11:B:1*Y*A*Y*Y",
        "DTP*472*D8*20260302",
        *lines,
    ]
    segments += [f"SE*{len(segments)}*0001", "GE*1*1", "IEA*1*000000001"]
    return isa() + "\n" + "~\n".join(segments) + "~\n"
