// Printable pages (ledger digest, official documents): the print button (CSP forbids inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
