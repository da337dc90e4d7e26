"""The coding rules: an encounter in, claim lines with rule ids and rationale out (the lowest layer
but the reference tables it reads)."""
