// A refusal the server shows in place names where (HX-Retarget): it is swapped there whatever
// its status, so a 403 or a 404 says its sentence where it was clicked too, never silently.
document.addEventListener("htmx:beforeSwap", function (event) {
  var xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A live board whose stream has been down for more than 10 s says since when it shows what it
// shows ("Ikke oppdatert siden 14:02"), across the whole width, until the stream is back; a
// wall display's clock ticks (Oslo time, as the server writes it); a printed board says when.
(function () {
  var STALE_AFTER_MS = 10000;
  var downSince = null;
  var hourMinute = new Intl.DateTimeFormat("nb-NO", {
    hour: "2-digit", minute: "2-digit", timeZone: "Europe/Oslo"
  });
  function stale(shown) {
    var notice = document.getElementById("stale");
    if (!notice) return;
    if (shown) notice.querySelector("time").textContent = hourMinute.format(new Date(downSince));
    notice.hidden = !shown;
  }
  function heard() {
    downSince = null;
    stale(false);
  }
  document.addEventListener("htmx:sseOpen", heard);
  document.addEventListener("htmx:sseMessage", heard);
  document.addEventListener("htmx:sseError", function () {
    if (downSince === null) downSince = Date.now();
  });
  // On paper a board says when it was printed: the day and time, in Oslo.
  var dayAndTime = new Intl.DateTimeFormat("nb-NO", {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: "Europe/Oslo"
  });
  function printedNow() {
    var stamps = document.querySelectorAll("[data-printed]");
    for (var i = 0; i < stamps.length; i++) stamps[i].textContent = dayAndTime.format(new Date());
  }
  window.addEventListener("beforeprint", printedNow);
  document.addEventListener("DOMContentLoaded", printedNow);
  setInterval(function () {
    if (downSince !== null && Date.now() - downSince > STALE_AFTER_MS) stale(true);
    var clocks = document.querySelectorAll("[data-clock]");
    for (var i = 0; i < clocks.length; i++) clocks[i].textContent = hourMinute.format(new Date());
  }, 1000);
})();
