"""What every command shares."""

import os
import sys

# the name the user typed: the console script ``infusion``, or ``python -m infusion``
PROG = "infusion" if os.path.basename(sys.argv[0] or "") == "infusion" else "python -m infusion"
