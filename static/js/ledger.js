// Ledger pages: the print button of the daily digest sheet (CSP forbids inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
