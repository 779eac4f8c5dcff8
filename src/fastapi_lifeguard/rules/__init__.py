"""Rule modules, one per family. Each declares `CODES` and `check(analysis)`.

Find a rule from its code: `LG1xx` lives in `lg1_event_loop.py`, `LG2xx` in
`lg2_lifecycle.py`, and so on (`codes.Rule.module` says it too).
"""

from __future__ import annotations

from . import lg1_event_loop, lg2_lifecycle, lg3_per_request, lg4_background

RULE_MODULES = (lg1_event_loop, lg2_lifecycle, lg3_per_request, lg4_background)
