"""The decisions processing records on a check (``Check.decision``), spelled once.

The guard (``monitor.guard``) makes them; the history readers count them. This module
imports nothing, so reading a history never loads the guard and its fuzzy matcher.
"""

UNCHANGED = "unchanged"
NEW_VERSION = "new_version"
# Held back by the guard: "held:<reason>" (language, not_policy, collapsed, moved, flap).
HELD_PREFIX = "held:"
# Held for several checks, then accepted: a rewrite or a new kind of page, not noise.
STRUCTURAL = "new_version:structural"
# Back to an earlier text by a transition already recorded once: its alert was sent then.
FLAP = "new_version:flap"
# Back to an earlier text by a transition not seen before (a revert): alerted as usual.
RETURNED = "new_version:returned"
# A check that returned to an earlier text, held or accepted.
FLAP_DECISIONS = (f"{HELD_PREFIX}flap", FLAP, RETURNED)
