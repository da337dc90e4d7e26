"""What every command shares."""

PROG = "python -m infusion"
