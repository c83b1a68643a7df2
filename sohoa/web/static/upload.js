// The upload page: pick files or a folder, hash each file (SHA-256, incrementally with
// sha256.js), open an upload session, send each file in chunks with a per-chunk SHA-256,
// resume from the server's offset after a dropped connection (retries with backoff),
// then turn the upload into a batch. No framework, no build step.
"use strict";
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const maxBytes = Number(form.dataset.maxBytes);
  const SUFFIXES = [".tif", ".tiff", ".jpg", ".jpeg", ".png", ".pdf"];
  const MANIFESTS = ["manifest.csv", "manifest.xlsx"];
  const IGNORED = ["thumbs.db", "desktop.ini", ".ds_store"];
  const HASH_SLICE = 8 * 1024 * 1024;
  const MAX_TRIES = 12;
  const message = document.getElementById("upload-message");
  const batchInput = document.getElementById("batch-name");
  const filePicker = document.getElementById("file-picker");
  const folderPicker = document.getElementById("folder-picker");
  const button = document.getElementById("upload-button");
  let rows = [];

  function say(text, bad) {
    message.textContent = text;
    message.className = bad ? "error" : "";
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // What to send: [{file, path}], the folder's own name stripped when one folder was picked.
  function picked() {
    const out = [];
    for (const file of filePicker.files) out.push({ file: file, path: file.name });
    const inFolder = Array.from(folderPicker.files).map(function (f) {
      return { file: f, path: f.webkitRelativePath || f.name };
    });
    const tops = new Set(inFolder.map(function (x) { return x.path.split("/")[0]; }));
    if (tops.size === 1 && inFolder.every(function (x) { return x.path.includes("/"); })) {
      const top = tops.values().next().value;
      if (!batchInput.value) batchInput.value = top;
      inFolder.forEach(function (x) { x.path = x.path.slice(top.length + 1); });
    }
    return out.concat(inFolder).filter(function (x) {
      const name = x.path.split("/").pop().toLowerCase();
      return !name.startsWith(".") && !IGNORED.includes(name);
    });
  }

  function problem(item) {
    const lower = item.path.toLowerCase();
    const ok = SUFFIXES.some(function (s) { return lower.endsWith(s); }) ||
      (!item.path.includes("/") && MANIFESTS.includes(lower));
    if (!ok) return "tệp " + item.path + ": định dạng không được hỗ trợ";
    if (item.file.size === 0) return "tệp " + item.path + " rỗng (0 byte)";
    if (item.file.size > maxBytes) return "tệp " + item.path + " lớn hơn giới hạn cho phép";
    return "";
  }

  function addRow(item) {
    const tr = document.createElement("tr");
    tr.className = "upload-file";
    const cells = [item.path, (item.file.size / 1048576).toFixed(1) + " MiB"];
    cells.forEach(function (text) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    const bar = document.createElement("progress");
    bar.className = "file-progress";
    bar.max = item.file.size;
    bar.value = 0;
    bar.setAttribute("aria-label", "Tiến độ " + item.path);
    const td = document.createElement("td");
    td.appendChild(bar);
    tr.appendChild(td);
    const state = document.createElement("td");
    state.className = "file-state";
    tr.appendChild(state);
    document.querySelector("#upload-files tbody").appendChild(tr);
    return { item: item, bar: bar, state: state, sent: 0 };
  }

  function showTotals() {
    const total = rows.reduce(function (s, r) { return s + r.item.file.size; }, 0);
    const sent = rows.reduce(function (s, r) { return s + r.sent; }, 0);
    const bar = document.getElementById("batch-progress");
    bar.max = total || 1;
    bar.value = sent;
    document.getElementById("batch-percent").textContent =
      (total ? Math.floor((100 * sent) / total) : 0) + "%";
  }

  function setSent(row, n) {
    row.sent = n;
    row.bar.value = n;
    showTotals();
  }

  async function hashFile(row) {
    const h = new Sha256();
    for (let at = 0; at < row.item.file.size; at += HASH_SLICE) {
      const piece = await row.item.file.slice(at, at + HASH_SLICE).arrayBuffer();
      h.update(new Uint8Array(piece));
      row.state.textContent = "đang tính mã " +
        Math.floor((100 * Math.min(at + HASH_SLICE, row.item.file.size)) / row.item.file.size) + "%";
    }
    return h.hex();
  }

  async function chunkHash(buffer) {
    if (window.crypto && crypto.subtle) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
      return Array.from(digest, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    }
    return new Sha256().update(new Uint8Array(buffer)).hex(); // not a secure context
  }

  // One request; resolves {status, body} (status 0: the connection failed).
  function send(method, url, body, headers, onProgress) {
    return new Promise(function (resolve) {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      Object.keys(headers || {}).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
      if (onProgress) xhr.upload.onprogress = function (e) { onProgress(e.loaded); };
      xhr.onload = function () {
        let parsed = null;
        try { parsed = JSON.parse(xhr.responseText); } catch (e) { parsed = null; }
        resolve({ status: xhr.status, body: parsed || {} });
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { resolve({ status: 0, body: {} }); };
      xhr.send(body);
    });
  }

  function detail(answer) {
    const d = answer.body.detail;
    if (typeof d === "string") return d;
    return answer.status ? "lỗi " + answer.status : "mất kết nối tới máy chủ";
  }

  async function serverOffset(id, index) {
    const answer = await send("GET", "/api/uploads/" + id);
    if (answer.status !== 200) return null;
    return answer.body.files[index].received;
  }

  async function sendFile(session, row, index) {
    const size = row.item.file.size;
    const chunk = session.chunk_bytes;
    const base = "/api/uploads/" + session.id + "/files/" + index;
    let offset = session.files[index].received;
    let tries = 0;
    for (let resend = 0; resend < 3; resend++) {
      while (offset < size) {
        const buffer = await row.item.file.slice(offset, Math.min(offset + chunk, size)).arrayBuffer();
        const start = offset;
        row.state.textContent = "đang gửi";
        const answer = await send("PUT", base + "?offset=" + start, buffer, {
          "Content-Type": "application/octet-stream",
          "X-Chunk-SHA256": await chunkHash(buffer),
        }, function (loaded) { setSent(row, start + loaded); });
        if (answer.status === 200) {
          offset = answer.body.received;
          tries = 0;
        } else if (answer.status === 409 && typeof answer.body.offset === "number") {
          offset = answer.body.offset;
        } else if (answer.status === 0 || answer.status >= 500 || answer.status === 422) {
          tries += 1;
          if (tries > MAX_TRIES) throw new Error(row.item.path + ": " + detail(answer));
          const wait = Math.min(30000, 500 * 2 ** tries);
          row.state.textContent = "mất kết nối, thử lại sau " + Math.round(wait / 1000) + " giây";
          await sleep(wait);
          const known = await serverOffset(session.id, index);
          if (known !== null) offset = known;
        } else {
          throw new Error(detail(answer));
        }
        setSent(row, offset);
      }
      const done = await send("POST", base + "/finish");
      if (done.status === 200) {
        row.state.textContent = "đã nhận, mã SHA-256 khớp";
        setSent(row, size);
        return;
      }
      if (done.status === 409 && typeof done.body.offset === "number") {
        offset = done.body.offset;
      } else if (done.status === 422) {
        row.state.textContent = detail(done) + " (gửi lại)";
        offset = 0;
      } else {
        throw new Error(detail(done));
      }
    }
    throw new Error(row.item.path + ": gửi ba lần vẫn không khớp mã SHA-256");
  }

  // An upload interrupted by a reload or a closed tab goes on when the same files are picked
  // again: the session id is remembered under a key made of the batch name and the files.
  function keyOf(items) {
    return "sohoa-upload:" + batchInput.value + ":" + items.map(function (x) {
      return x.path + "|" + x.file.size + "|" + x.file.lastModified;
    }).join("/");
  }
  function remember(key, id) { try { localStorage.setItem(key, id); } catch (e) { /* full */ } }
  function forget(key) { try { localStorage.removeItem(key); } catch (e) { /* private mode */ } }

  async function resumed(key, count) {
    let id = null;
    try { id = localStorage.getItem(key); } catch (e) { id = null; }
    if (!id) return null;
    const answer = await send("GET", "/api/uploads/" + id);
    if (answer.status === 200 && answer.body.state === "open" && answer.body.files.length === count) {
      return answer.body;
    }
    forget(key);
    return null;
  }

  async function opened(items) {
    const earlier = await resumed(key, items.length);
    if (earlier) {
      rows.forEach(function (row, i) { setSent(row, earlier.files[i].received); });
      return earlier;
    }
    const files = [];
    for (const row of rows) {
      files.push({ path: row.item.path, size: row.item.file.size, sha256: await hashFile(row) });
      row.state.textContent = "chờ gửi";
    }
    const answer = await send("POST", "/api/uploads",
      JSON.stringify({
        batch: batchInput.value, fonds: document.getElementById("fonds").value || null, files: files,
      }),
      { "Content-Type": "application/json" });
    if (answer.status !== 201) throw new Error(detail(answer));
    remember(key, answer.body.id);
    return answer.body;
  }

  let key = "";

  async function upload(items) {
    document.querySelector("#upload-files tbody").textContent = "";
    rows = items.map(addRow);
    document.getElementById("upload-progress").hidden = false;
    showTotals();
    key = keyOf(items);
    const session = await opened(items);
    for (let i = 0; i < rows.length; i++) await sendFile(session, rows[i], i);
    document.getElementById("upload-state").textContent = "đang tạo lô…";
    let finished = null;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      finished = await send("POST", "/api/uploads/" + session.id + "/finish");
      if (finished.status === 200 || (finished.status && finished.status < 500)) break;
      await sleep(Math.min(30000, 500 * 2 ** (tries + 1)));
    }
    if (finished.status !== 200) throw new Error(detail(finished));
    document.getElementById("upload-state").textContent = "xong";
    document.getElementById("batch-id").textContent = finished.body.batch_id;
    document.getElementById("batch-link").href = "/dashboard#batch-" + finished.body.batch_id;
    forget(key);
    document.getElementById("upload-done").hidden = false;
    const rejected = finished.body.rejected || [];
    say(rejected.length
      ? "Một số tệp bị từ chối khi tiếp nhận: " +
        rejected.map(function (r) { return r.path + ": " + r.error; }).join("; ")
      : "Đã tải lên " + rows.length + " tệp.", rejected.length > 0);
  }

  folderPicker.addEventListener("change", function () {
    const first = folderPicker.files[0];
    const top = first && first.webkitRelativePath ? first.webkitRelativePath.split("/")[0] : "";
    if (top && !batchInput.value) batchInput.value = top;
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const items = picked();
    if (!items.length) return say("Hãy chọn tệp hoặc thư mục.", true);
    const bad = items.map(problem).filter(Boolean);
    if (bad.length) return say(bad.join("; "), true);
    if (!batchInput.value.trim()) return say("Hãy đặt tên cho lô.", true);
    button.disabled = true;
    say("");
    try {
      await upload(items);
    } catch (err) {
      say(err.message, true);
      button.disabled = false;
    }
  });
})();
