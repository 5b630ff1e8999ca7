// A refusal the server shows in place names where (HX-Retarget): it is swapped there whatever
// its status, so a 403 or a 404 says its sentence where it was clicked too, never silently.
document.addEventListener("htmx:beforeSwap", function (event) {
  var xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
