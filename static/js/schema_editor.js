// Schema editor: add an empty field row without a reload (the "增加空行" link works without JS).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-field-row]");
  if (!button) return;
  event.preventDefault();
  const template = document.getElementById("schema-empty-row");
  const total = document.querySelector('input[name="fields-TOTAL_FORMS"]');
  const body = document.querySelector(".schema-editor tbody");
  if (!template || !total || !body) return;
  const index = Number(total.value);
  const html = template.innerHTML.replaceAll("__prefix__", String(index)).replace("__number__", String(index + 1));
  body.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  const first = body.querySelector(`[name="fields-${index}-label"]`);
  if (first) first.focus();
});
