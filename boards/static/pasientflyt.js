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

// After a command given from a board, the user keeps her place: focus goes to the patient's
// card, bed or task where the board now shows it (perhaps in another column), and a polite
// live region says what was done ("Ingrid Moen: ankomst registrert") with a link back to it
// (WCAG 2.4.3, 4.1.3). The form says what it does (`data-done`); its action names the flow
// or the task.
(function () {
  var given = null;
  function flowOrTask(action) {
    var found = /\/tildeling\/forlop\/([0-9a-f-]{36})\//.exec(action);
    if (found) return { flow: found[1] };
    found = /\/oppgaver\/([0-9a-f-]{36})\//.exec(action);
    return found ? { task: found[1] } : null;
  }
  function patientLink(root, flow) {
    var links = root.querySelectorAll('a[href="/tildeling/forlop/' + flow + '"]');
    return links.length ? links[0] : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-done]")) return;
    var about = flowOrTask(form.getAttribute("hx-post") || "");
    var place = form.closest("[id]");
    var link = place ? place.querySelector('a[href^="/tildeling/forlop/"]') : null;
    if (!about || !link) return;
    given = {
      done: form.getAttribute("data-done"),
      name: link.textContent.trim(),
      flow: about.flow || link.getAttribute("href").split("/").pop(),
      task: about.task || null
    };
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful || event.detail.xhr.status >= 300) given = null;  // refused
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!given || !event.detail.xhr) return;
    var now = given;
    given = null;
    var task = now.task && document.getElementById("task-" + now.task);
    var card = document.getElementById("flow-" + now.flow);
    // Where the board shows the patient herself: her task's row, her card, her bed; else
    // the first mention of her.
    var bed = document.querySelector('[id^="bed-"] a[href="/tildeling/forlop/' + now.flow + '"]');
    var target = (task && patientLink(task, now.flow)) || (card && patientLink(card, now.flow)) ||
      bed || patientLink(document.getElementById("main"), now.flow);
    var said = document.getElementById("said");
    said.textContent = now.name + ": " + now.done + " ";
    var back = document.createElement("a");
    back.href = target && target.closest("[id]") ? "#" + target.closest("[id]").id
                                                 : "/tildeling/forlop/" + now.flow;
    back.textContent = said.getAttribute("data-show") || "Vis";
    said.appendChild(back);
    if (target) {
      target.focus();
      target.scrollIntoView({ block: "center" });
    } else {
      back.focus();
    }
  });

  // A live update that redraws the card or bed holding the focus (the stream's parts are
  // swapped in by id) gives the focus back to the same link in the new drawing.
  var held = null;
  document.addEventListener("htmx:oobBeforeSwap", function () {
    var active = document.activeElement;
    var place = active && active !== document.body ? active.closest("[id]") : null;
    held = place ? { place: place.id, href: active.getAttribute("href") } : null;
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!held || (document.activeElement && document.activeElement !== document.body)) return;
    var place = document.getElementById(held.place);
    var link = place && held.href ? place.querySelector('a[href="' + held.href + '"]') : null;
    if (link) link.focus({ preventScroll: true });
  });
})();
