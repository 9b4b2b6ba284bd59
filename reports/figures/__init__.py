"""The public figures: `tallies` (every figure, and where each view's figures come from), `comparisons` (each
official assessor beside the lead monitor, over the same incidents), `statements` (the statements'
reconciliation), `charts` (the SVG charts' geometry), `formatting` (what the templates' `tally` tags do) and
`receivers` (what keeps the summary and the snapshot up to date as records change). The summary's and the
snapshot's logic move here next (docs/ARCHITECTURE.md)."""
