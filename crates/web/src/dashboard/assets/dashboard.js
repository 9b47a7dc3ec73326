// Zinc dashboard: upload progress and drag-and-drop on the imports page. Without this script
// the same form posts as a plain form and the server answers with the same page.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("file");
  var zone = form.querySelector(".dropzone");
  var progress = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var chosen = document.getElementById("file-chosen");

  function say(text) { status.textContent = text; }
  var maxBytes = Number(input.dataset.maxBytes);
  // A file over the server's limit, said before uploading it (the server refuses it too).
  function tooLarge(file) {
    return maxBytes > 0 && file.size > maxBytes;
  }
  function showChosen() {
    var file = input.files && input.files.length ? input.files[0] : null;
    chosen.textContent = file ? "Chosen: " + file.name : "";
    if (file && tooLarge(file)) {
      say(file.name + " is larger than the " + input.dataset.maxSize +
        " this server takes. Split it (by month, say) and upload each part.");
    } else {
      say("");
    }
  }
  input.addEventListener("change", showChosen);

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showChosen();
    }
  });

  form.addEventListener("submit", function (event) {
    if (!input.files || !input.files.length) { return; } // the browser says the file is required
    event.preventDefault();
    if (tooLarge(input.files[0])) { showChosen(); return; }
    var submitter = event.submitter;
    var action = submitter && submitter.formAction ? submitter.formAction : form.action;
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    progress.hidden = false;
    progress.removeAttribute("value");
    say("Uploading " + input.files[0].name + "…");
    var request = new XMLHttpRequest();
    request.open("POST", action);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        progress.max = e.total;
        progress.value = e.loaded;
        var percent = Math.round((e.loaded / e.total) * 100);
        say(percent < 100 ? "Uploading… " + percent + "%" : "Uploaded; checking and importing…");
        if (percent >= 100) { progress.removeAttribute("value"); }
      }
    });
    request.addEventListener("load", function () {
      // Sent to sign in (the key was revoked meanwhile): the whole page goes there, so that
      // its header no longer says who is signed in, and the sign-in page says why.
      if (request.responseURL && new URL(request.responseURL).pathname === "/sign-in") {
        window.location.assign(request.responseURL);
        return;
      }
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var fresh = page.getElementById("main");
      var main = document.getElementById("main");
      if (fresh && main) {
        var kept = input.files;
        main.replaceWith(document.importNode(fresh, true));
        // After a check or a rejection, the same file stays chosen for the next button.
        if (document.querySelector("#import-report[data-keep-file]")) {
          var again = document.getElementById("file");
          var note = document.getElementById("file-chosen");
          if (again && kept && kept.length) {
            again.files = kept;
            if (note) { note.textContent = "Chosen: " + kept[0].name + " (still chosen)"; }
          }
        }
        var result = document.getElementById("import-result");
        if (result) { result.focus(); }
        // The new form needs this script's handlers too.
        var script = document.createElement("script");
        script.src = document.querySelector("script[src$='dashboard.js']").src;
        document.body.appendChild(script);
      } else {
        say("The server answered " + request.status + ".");
        buttons.forEach(function (b) { b.disabled = false; });
      }
    });
    request.addEventListener("error", function () {
      say("The upload failed: the connection was lost. Try again.");
      progress.hidden = true;
      buttons.forEach(function (b) { b.disabled = false; });
    });
    request.send(new FormData(form));
  });
})();

// The overview's chart: a period's figures, said under the chart when its column is tapped,
// clicked, pointed at with a mouse or focused; the arrow keys move along the columns (one tab
// stop per drawing). Without this script the table under the chart has the same figures.
(function () {
  "use strict";
  document.querySelectorAll("figure.chart").forEach(function (figure) {
    var readout = figure.querySelector(".readout");
    if (!readout) { return; }
    function show(hit) {
      figure.querySelectorAll(".hit.on").forEach(function (h) { h.classList.remove("on"); });
      hit.classList.add("on");
      readout.textContent = hit.dataset.readout;
    }
    function hitOf(event) {
      return event.target && event.target.closest ? event.target.closest(".hit") : null;
    }
    figure.addEventListener("click", function (event) {
      var hit = hitOf(event);
      if (hit) { show(hit); }
    });
    figure.addEventListener("pointermove", function (event) {
      var hit = hitOf(event);
      if (hit && event.pointerType === "mouse") { show(hit); }
    });
    figure.addEventListener("focusin", function (event) {
      var hit = hitOf(event);
      if (hit) { show(hit); }
    });
    figure.addEventListener("keydown", function (event) {
      var hit = hitOf(event);
      if (!hit) { return; }
      var hits = Array.prototype.slice.call(hit.parentNode.querySelectorAll(".hit"));
      var at = hits.indexOf(hit);
      var next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: hits.length - 1 }[event.key];
      if (next === undefined || !hits[next]) { return; }
      event.preventDefault();
      hit.setAttribute("tabindex", "-1");
      hits[next].setAttribute("tabindex", "0");
      hits[next].focus();
    });
  });
})();
