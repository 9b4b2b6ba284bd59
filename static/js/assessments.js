// Progressive enhancement for assessments: the verdict list follows the assessor. Each assessor option says its
// kind (data-kind); each verdict select is followed by a <template> holding every verdict, each with the kind
// of assessor that gives it. Choosing an assessor rebuilds its verdict list with that kind's verdicts only (both
// kinds when no assessor is chosen). Without JavaScript the server offers the kind of the assessor it knows,
// and refuses a verdict of the other kind in any case.

function verdictSelectFor(assessorSelect) {
  // Rows of the incident form are named "assessments-0-assessor"; the standalone form's field is "assessor".
  const name = assessorSelect.name.replace(/assessor$/, "verdict");
  const verdict = assessorSelect.form?.elements.namedItem(name);
  return verdict instanceof HTMLSelectElement ? verdict : null;
}

function followAssessor(assessorSelect) {
  const verdict = verdictSelectFor(assessorSelect);
  const everyVerdict = verdict?.parentElement.querySelector("template.every-verdict");
  if (!everyVerdict) return;
  const kind = assessorSelect.selectedOptions[0]?.dataset.kind;
  const chosen = verdict.value;
  const blank = verdict.querySelector("option[value='']")?.cloneNode(true);
  const options = everyVerdict.content.cloneNode(true);
  if (kind) {
    options.querySelectorAll(`option:not([data-kind="${kind}"])`).forEach((option) => option.remove());
    options.querySelectorAll("optgroup:empty").forEach((group) => group.remove());
  }
  verdict.replaceChildren(...(blank ? [blank] : []), options);
  // A verdict of the other kind is no longer offered: the list goes back to its blank choice.
  verdict.value = verdict.querySelector(`option[value="${CSS.escape(chosen)}"]`) ? chosen : "";
}

document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-verdicts-follow]")) followAssessor(event.target);
});

// A page restored from the browser's cache keeps a chosen assessor: its verdict list follows it too.
document.querySelectorAll("select[data-verdicts-follow]").forEach(followAssessor);
