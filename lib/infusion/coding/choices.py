"""The values an encounter's options take: the claim its lines go on and who pays. ``encounter``
checks them; the command line lists them in its help without loading the engine."""

CLAIM_TYPES = ("professional", "institutional", "dme")
PAYERS = ("medicare", "medicare_advantage", "medicaid", "aetna", "bcbs", "cigna", "uhc", "other")
