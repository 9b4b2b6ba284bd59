// Progressive enhancement for the row sets of the incident form: "Add a …" inserts an empty row in place,
// without a round trip. Without JavaScript the same button submits and the server adds the row.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[name=add_row]");
  if (!button) return;
  const section = button.closest("section.rows");
  const total = section.querySelector(`input[name="${section.dataset.prefix}-TOTAL_FORMS"]`);
  const template = section.querySelector(":scope > template"); // the row set's own, not one inside a row
  if (!total || !template) return;
  event.preventDefault();
  const index = Number(total.value);
  const row = template.content.cloneNode(true);
  row.querySelectorAll("[name], [id], label[for], [aria-describedby]").forEach((node) => {
    for (const attribute of ["name", "id", "for", "aria-describedby"]) {
      const value = node.getAttribute(attribute);
      if (value) node.setAttribute(attribute, value.replace("__prefix__", index));
    }
  });
  section.querySelector(".row-list").appendChild(row);
  total.value = index + 1;
  section.querySelector(".row-list").lastElementChild.querySelector("input, select, textarea")?.focus();
});
