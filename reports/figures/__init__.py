"""The public figures: `tallies` (every figure, and where each view's figures come from), `comparisons` (each
official assessor beside the lead monitor, over the same incidents), `statements` (the statements'
reconciliation) and `charts` (the SVG charts' geometry). The summary and the snapshot move here next
(docs/ARCHITECTURE.md)."""
