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
// live region says what was done ("Ingrid Moen: ankomst registrert") with a link back to it.
// WCAG 2.1 SC 2.4.3 Focus Order (A): focus moves in an order that keeps meaning and
// operability, never dropped to the page (https://www.w3.org/WAI/WCAG21/Understanding/focus-order.html);
// SC 4.1.3 Status Messages (AA): the result of an action is told by role=status without taking
// focus (https://www.w3.org/WAI/WCAG21/Understanding/status-messages.html). The form says what
// it does (`data-done`); its action names the flow or the task.
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
    var name = form.getAttribute("data-name") || (link && link.textContent.trim());
    if (!about || !name) return;
    given = {
      done: form.getAttribute("data-done"),
      name: name,
      flow: about.flow || link.getAttribute("href").split("/").pop(),
      task: about.task || null,
      undo: form.getAttribute("data-undo")
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
    if (now.undo) said.appendChild(undoForm(said, now));
    if (target) {
      target.focus();
      target.scrollIntoView({ block: "center" });
    } else {
      back.focus();
    }
    following = { flow: now.flow, until: Date.now() + 5000 };
  });

  // "Angre" beside what an arrival, a move or a discharge did: the same user corrects it
  // (`flow/corrections.py`), from where she is, while the words stand.
  function undoForm(said, now) {
    var form = document.createElement("form");
    form.className = "inline";
    form.setAttribute("hx-post", "/tildeling/forlop/" + now.flow + "/correction");
    form.setAttribute("hx-target", "#board");
    form.setAttribute("hx-select", "#board");
    form.setAttribute("hx-swap", "outerHTML");
    form.setAttribute("data-done", said.getAttribute("data-undone"));
    form.setAttribute("data-name", now.name);
    var command = document.createElement("input");
    command.type = "hidden";
    command.name = "command";
    command.value = now.undo;
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = said.getAttribute("data-undo");
    form.appendChild(command);
    form.appendChild(button);
    htmx.process(form);
    return form;
  }

  // The page drawn after a command may come before the board's models have the command
  // (another process's follower): when the stream then shows her card or bed, focus moves
  // there from another mention of her, for a few seconds after the command.
  var following = null;
  function whereSheIs(flow) {
    return document.querySelector(
      '[id^="flow-"] a[href="/tildeling/forlop/' + flow + '"], ' +
      '[id^="bed-"] a[href="/tildeling/forlop/' + flow + '"]');
  }
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!following || Date.now() > following.until) return;
    var active = document.activeElement;
    var href = "/tildeling/forlop/" + following.flow;
    if (!active || active.getAttribute("href") !== href) return;
    if (active.closest('[id^="flow-"], [id^="bed-"]')) return;
    var there = whereSheIs(following.flow);
    if (there) there.focus({ preventScroll: false });
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

// A board's find and filters (templates/_find.html, boards/web/board_filters.py): applied to
// what the page holds (elements with data-find), kept in the page's query, and applied again
// after every swap, so a card that comes by the stream and does not match stays hidden and
// one that starts to match shows. Groups of broken loops stay as the user left them.
(function () {
  var closedGroups = {};

  // As a Norwegian types a name: case, accents and æ/ø/å need not be typed ("ase" finds Åse,
  // "soren" Søren, "aerlig" Ærlig); the same folding of both sides.
  function fold(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/ø/g, "o").replace(/æ/g, "ae").replace(/\s+/g, " ").trim();
  }

  // "010180 12371", "01018012371" or "010180": the national id from its start (four digits
  // or more); "5" or "seng 5" (or "bed 5") a bed; anything else every word in the name.
  function searchTest(query) {
    var q = fold(query);
    if (!q) return null;
    var bed = /^(?:seng|bed)\s*(\S+)$/.exec(q);
    if (bed) {
      return function (item) { return fold(item.dataset.bed) === bed[1]; };
    }
    var digits = q.replace(/\s/g, "");
    if (/^\d{1,3}$/.test(digits)) {
      return function (item) { return fold(item.dataset.bed) === digits; };
    }
    if (/^\d+$/.test(digits)) {
      return function (item) { return (item.dataset.nid || "").indexOf(digits) === 0; };
    }
    var words = q.split(" ");
    return function (item) {
      var name = fold(item.dataset.find);
      return words.every(function (word) { return name.indexOf(word) !== -1; });
    };
  }

  // The filters read what a card says of itself; they concern the columns' cards (data-unit),
  // not the broken loops, which the search alone narrows.
  function filterTests(form) {
    var tests = [];
    var value = function (name) { var f = form.elements[name]; return f ? f.value : ""; };
    var checked = function (name) { var f = form.elements[name]; return !!(f && f.checked); };
    var unit = value("enhet"), zone = value("sone"), days = value("ventet");
    if (unit) tests.push(function (d) { return d.unit === unit; });
    if (zone) tests.push(function (d) { return d.zone === zone; });
    if (checked("forfalt")) tests.push(function (d) { return Number(d.overdue) > 0; });
    if (checked("mine")) tests.push(function (d) { return Number(d.ours) > 0; });
    if (/^\d+$/.test(days)) tests.push(function (d) { return Number(d.days) > Number(days); });
    return tests;
  }

  function sortReady(form, board) {
    var sort = form.elements.sorter ? form.elements.sorter.value : "";
    var column = board.querySelector("#cards-ready");
    if (!sort || !column) return;
    var cards = Array.prototype.slice.call(column.querySelectorAll(":scope > [data-find]"));
    var key = sort === "frist"
      ? function (c) { return c.dataset.due ? Date.parse(c.dataset.due) : Infinity; }
      : function (c) { return -Number(c.dataset.days); };
    var sorted = cards.slice().sort(function (a, b) { return key(a) - key(b); });
    if (sorted.some(function (card, i) { return card !== cards[i]; })) {
      sorted.forEach(function (card) { column.appendChild(card); });
    }
  }

  function apply(announce) {
    var form = document.getElementById("find"), board = document.getElementById("board");
    if (!form || !board) return;
    var search = searchTest(form.elements.sok.value);
    var filters = filterTests(form);
    var shown = {}, total = {};
    board.querySelectorAll("[data-find]").forEach(function (item) {
      var d = item.dataset;
      var ok = (!search || search(item)) &&
        (d.unit === undefined || filters.every(function (test) { return test(d); }));
      if (item.hidden === ok) item.hidden = !ok;
      if (d.flow && !item.classList.contains("loop")) {  // patients, once each
        total[d.flow] = true;
        if (ok) shown[d.flow] = true;
      }
    });
    board.querySelectorAll("details.owner-group").forEach(function (group) {
      if (group.id in closedGroups) group.open = !closedGroups[group.id];
      group.hidden = !group.querySelector("[data-find]:not([hidden])");
    });
    sortReady(form, board);
    var active = !!(search || filters.length);
    var count = document.getElementById("find-count");
    countColumns(board, active, count.dataset.of);
    var said = active ? count.dataset.text
      .replace("{shown}", Object.keys(shown).length)
      .replace("{total}", Object.keys(total).length) : "";
    // The polite region speaks when what it says changes: after the user's pause in typing
    // (announce), or when a live update changed how many are shown; never the same again
    // (a count of results is a status message, WCAG 2.1 SC 4.1.3,
    // https://www.w3.org/WAI/WCAG21/Understanding/status-messages.html).
    if ((announce || count.textContent) && count.textContent !== said) count.textContent = said;
  }

  // Each heading's count, of a column or a group, says while a search or a filter is on how
  // many of its own it shows ("3 av 17"), else how many it holds; the stream's new counts
  // (plain numbers) are said so again after each swap.
  function countColumns(board, active, of) {
    board.querySelectorAll("h2 > .count, summary .count").forEach(function (count) {
      var holder = count.closest("section, details");
      var items = holder ? holder.querySelectorAll("[data-find]") : [];
      if (!items.length && !count.dataset.total) return;
      var total = items.length;
      var shown = Array.prototype.filter.call(items, function (i) { return !i.hidden; }).length;
      var text = active ? of.replace("{shown}", shown).replace("{total}", total) : String(total);
      if (count.textContent !== text) count.textContent = text;
      count.dataset.total = total;
    });
  }

  // The page's address keeps what is set, so a reload or a shared link shows the same.
  function remember(form) {
    var query = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (String(value).trim()) query.append(name, String(value).trim());
    });
    var text = query.toString();
    history.replaceState(history.state, "", location.pathname + (text ? "?" + text : ""));
    // The other language shows the board as it is now left, its filters too.
    var language = document.getElementById("language");
    if (language) {
      var to = new URL(language.href);
      to.searchParams.set("til", location.pathname + location.search);
      language.href = to.pathname + to.search;
    }
  }

  var announcing = null;
  function changed(event) {
    var form = event.currentTarget;
    remember(form);
    apply(false);
    clearTimeout(announcing);  // said once the user pauses, not at every keystroke
    announcing = setTimeout(function () { apply(true); }, 400);
  }

  // Enter goes to the first patient shown (the only one, when one is); Esc empties the field.
  function keyed(event) {
    if (event.key === "Enter") {
      event.preventDefault();
      var board = document.getElementById("board");
      var first = board && board.querySelector("[data-find]:not([hidden]) a[href]");
      if (first) first.focus();
    } else if (event.key === "Escape" && event.target.value) {
      event.target.value = "";
      event.target.form.dispatchEvent(new Event("input"));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("find");
    if (!form) return;
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.elements.sok.addEventListener("keydown", keyed);
    apply(true);
  });
  // Every swap, by a command's answer or by the stream, after htmx has settled its attributes:
  // once for all the parts one message swapped, before the page is painted (a board's message may
  // carry dozens, and each would walk every card again).
  var pending = false;
  function applySoon() {
    if (pending) return;
    pending = true;
    queueMicrotask(function () { pending = false; apply(false); });
  }
  ["htmx:afterSwap", "htmx:oobAfterSwap", "htmx:afterSettle"].forEach(function (name) {
    document.addEventListener(name, applySoon);
  });
  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (group.matches && group.matches("details.owner-group")) {
      closedGroups[group.id] = !group.open;
    }
  }, true);
})();

// An arrival or a discharge asks once more (`_confirm.html`): the question is drawn into the
// slot after the command's button and takes the focus on its confirming button; "Avbryt"
// empties the slot and gives the focus back to the button that asked. The slot is kept as it
// is across a live update of its card (hx-preserve), and emptied once its command is given.
(function () {
  function opener(slot) {
    return document.querySelector('[aria-controls="' + slot.id + '"]');
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target;
    if (!slot || !slot.classList || !slot.classList.contains("confirm-slot")) return;
    var confirm = slot.querySelector("[data-confirm]");
    if (confirm) confirm.focus();
  });
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-cancel]");
    if (!cancel) return;
    var slot = cancel.closest(".confirm-slot");
    if (!slot) return;
    var back = opener(slot);
    slot.innerHTML = "";
    if (back) back.focus();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    var slot = form && form.closest && form.closest(".confirm-slot");
    if (slot && event.detail.xhr.status < 300) slot.innerHTML = "";
  });
})();

// A card's or bed's menu of commands (`_actions.html`) fetches its forms when it is opened
// without them, and once more when a live update has redrawn it open without them; a fetch
// that fails says so in the menu, and opening it again tries again. Never a menu that says
// "Henter …" for ever.
(function () {
  function loaded(menu) {
    return menu.querySelector(".command-forms > :not(.muted)") !== null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var menu = event.detail.elt;
    if (!menu.matches || !menu.matches("details.more")) return;
    if (!menu.open || loaded(menu) || menu.dataset.fetching) {
      event.preventDefault();
      return;
    }
    menu.dataset.fetching = "1";
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var menu = event.detail.elt;
    if (!menu.matches || !menu.matches("details.more")) return;
    delete menu.dataset.fetching;
    if (event.detail.successful) return;
    var forms = menu.querySelector(".command-forms");
    var failed = document.createElement("p");
    failed.className = "muted";
    failed.setAttribute("role", "status");
    failed.textContent = menu.getAttribute("data-failed");
    forms.replaceChildren(failed);
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    document.querySelectorAll("details.more[open]").forEach(function (menu) {
      if (!loaded(menu) && !menu.dataset.fetching) htmx.trigger(menu, "toggle");
    });
  });
})();
