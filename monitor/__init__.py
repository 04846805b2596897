"""Everything after the snapshot: normalize, version, diff, classify, notify, schedule, CLI."""
