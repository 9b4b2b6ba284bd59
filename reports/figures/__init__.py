"""The public figures. For now `comparisons` (each official assessor beside the lead monitor, over the same
incidents); the summary, snapshot, tallies and charts move here next (CONVENTIONS.md, "floors")."""
