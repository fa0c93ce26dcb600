// podnet help desk: the copy buttons (the page runs no inline script; htmx does the rest).
(function () {
  "use strict";
  function done(button) {
    var old = button.textContent;
    button.textContent = button.getAttribute("data-copied") || "Copied";
    button.classList.add("done");
    setTimeout(function () { button.textContent = old; button.classList.remove("done"); }, 1500);
  }
  function selectAndCopy(code, button) {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { if (document.execCommand("copy")) { done(button); } } catch (e) { /* the text stays selected */ }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    var code = button.parentElement.querySelector("code");
    if (!code) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.textContent).then(function () { done(button); }, function () { selectAndCopy(code, button); });
    } else {
      selectAndCopy(code, button);
    }
  });
})();
