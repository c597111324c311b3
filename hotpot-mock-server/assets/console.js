// The mock's console (spec §15): copy buttons, and live updates from /_mock/stream that are
// announced ("3 new events — show") instead of moving the list. Everything works without it.
(function () {
  "use strict";

  function say(region, text) {
    if (region) { region.textContent = text; }
  }

  // Copy buttons: the full URL is in the button's data-copy attribute.
  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function setUpCopyButtons() {
    var notice = document.querySelector(".notice");
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var what = button.getAttribute("aria-label") || "the URL";
        copyText(button.getAttribute("data-copy")).then(function () {
          say(notice, what.replace(/^Copy/, "Copied") + ".");
        }, function () {
          say(notice, "Could not copy: open \u201cShow the URL\u201d and copy it by hand.");
        });
      });
    });
  }

  // Live updates.
  function setUpLive() {
    var live = document.getElementById("live");
    if (!live || !window.EventSource) { return; }
    var status = document.getElementById("live-status");
    var toggle = document.getElementById("live-toggle");
    var data = live.dataset;
    var newest = Number(data.newest) || 0;
    var fresh = 0;
    var skipped = false;
    var source = null;
    var retry = null;

    function matches(event) {
      if (data.kind === "rejected" || data.kind === "page") { return true; }
      if (data.status && event.status !== data.status) { return false; }
      if (data.integration && event.integration !== data.integration) { return false; }
      if (data.webhook && event.webhook_label !== data.webhook &&
          event.token_hint !== data.webhook.slice(0, 4) + "\u2026") { return false; }
      if (data.q) {
        var text = JSON.stringify(event.payload || event.raw_body || "").toLowerCase();
        if (text.indexOf(data.q.toLowerCase()) < 0) { return false; }
      }
      return true;
    }

    function announce() {
      if (!status) { return; }
      status.textContent = "";
      if (fresh === 0 && !skipped) { return; }
      var noun = data.kind === "rejected" ? " new rejected request" :
        data.kind === "page" ? " page change" : " new event";
      var words = (skipped ? "More than " : "") + fresh + noun + (fresh === 1 ? "" : "s") + " \u2014 ";
      status.appendChild(document.createTextNode(words));
      var link = document.createElement("a");
      link.href = data.show || "?";
      link.textContent = "show";
      status.appendChild(link);
    }

    function onEvent(message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      // A page's own id is not a number: its place is the stream's id (each change is new).
      var id = data.kind === "page" ? Number(message.lastEventId) : Number(event.id);
      if (!(id > newest)) { return; }
      newest = id;
      if (matches(event)) { fresh += 1; announce(); }
      live.dataset.newest = String(newest);
    }

    function connect() {
      retry = null;
      source = new EventSource(data.stream);
      live.dataset.state = "connecting";
      source.onopen = function () { live.dataset.state = "live"; };
      source.addEventListener(data.kind || "event", onEvent);
      source.addEventListener("lagged", function () { skipped = true; announce(); });
      source.onerror = function () {
        // The browser reconnects by itself (with Last-Event-ID) unless the stream was refused.
        live.dataset.state = "reconnecting";
        if (source && source.readyState === EventSource.CLOSED && !retry) {
          source = null;
          retry = window.setTimeout(connect, 3000);
        }
      };
    }

    function stop() {
      live.dataset.state = "paused";
      if (source) { source.close(); source = null; }
      if (retry) { window.clearTimeout(retry); retry = null; }
    }

    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var paused = toggle.getAttribute("aria-pressed") === "true";
        if (paused) {
          connect();
          toggle.setAttribute("aria-pressed", "false");
        } else {
          stop();
          toggle.setAttribute("aria-pressed", "true");
        }
      });
    }
    connect();
  }

  setUpCopyButtons();
  setUpLive();
}());
