"""The public figures: `tallies` (every figure, and where each view's figures come from), `comparisons` (each
official assessor beside the lead monitor, over the same incidents), `statements` (the statements'
reconciliation), `charts` (the SVG charts' geometry) and `formatting` (what the templates' `tally` tags do).
The summary and the snapshot move here next (docs/ARCHITECTURE.md)."""
