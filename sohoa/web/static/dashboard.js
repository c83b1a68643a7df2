// Live dashboard: poll /api/dashboard every 2 s and update totals, progress bars and rates.
(function () {
  "use strict";
  function size(n) {
    var units = ["B", "KB", "MB", "GB", "TB"], v = n, i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return i === 0 ? v + " B" : v.toFixed(1) + " " + units[i];
  }
  function set(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text; }
  }
  function update(data) {
    var t = data.totals;
    set("total-pages", t.pages);
    set("total-pages-archived", t.pages_archived);
    set("total-pages-failed", t.pages_failed);
    set("total-bytes", size(t.bytes));
    set("total-records", t.records);
    set("total-documents", t.documents);
    set("total-documents-archived", t.documents_archived);
    var body = document.querySelector("#batches tbody");
    data.batches.forEach(function (b) {
      var row = body.querySelector('tr.batch[data-batch-id="' + b.batch + '"]');
      if (!row) { window.location.reload(); return; }  // a new batch: redraw the page
      var bar = row.querySelector("progress.batch-progress");
      bar.max = b.pages || 1;
      bar.value = b.pages_done + b.pages_failed;
      row.querySelector(".batch-pct").textContent = b.percent + "%";
      row.querySelector(".batch-done").textContent = b.pages_done;
      row.querySelector(".batch-total").textContent = b.pages;
      row.querySelector(".batch-rate").textContent = b.pages_per_minute.toFixed(1);
      row.querySelector(".batch-eta").textContent = b.eta_seconds
        ? Math.floor(b.eta_seconds / 60) + " phút " + (b.eta_seconds % 60) + " giây" : "—";
      row.querySelector(".batch-state").textContent = b.done ? "xong" : "đang xử lý";
    });
    set("last-update", new Date().toLocaleTimeString("vi-VN"));
  }
  function poll() {
    fetch("/api/dashboard", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* the next poll tries again */ })
      .finally(function () { window.setTimeout(poll, 2000); });
  }
  set("last-update", new Date().toLocaleTimeString("vi-VN"));
  window.setTimeout(poll, 2000);
})();
