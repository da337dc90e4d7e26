"""Medicare: the CMS file loaders and the payment of a code (physician fee schedule, OPPS)."""
