// hipcheck's pages: drag-and-drop uploads, a live queue, re-run and delete buttons.
// No library, no network beyond this server.
"use strict";

function errorText(body, status) {
  return body && body.error ? body.error : "HTTP " + status;
}

async function api(method, url, body) {
  const response = await fetch(url, { method: method, body: body, credentials: "same-origin" });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) throw new Error(errorText(data, response.status));
  return data;
}

function item(list, text, cls) {
  const li = document.createElement("li");
  li.textContent = text;
  if (cls) li.className = cls;
  list.appendChild(li);
  return li;
}

function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("video");
  const drop = document.getElementById("drop");
  const list = document.getElementById("upload-status");
  const date = document.getElementById("recorded_on");
  date.max = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { if (e.dataTransfer.files.length) input.files = e.dataTransfer.files; });
  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    if (!form.reportValidity()) return;
    const files = Array.from(input.files);
    for (const file of files) {
      const line = item(list, file.name + ": uploading…");
      const body = new FormData();
      body.append("person", document.getElementById("person").value);
      body.append("recorded_on", date.value);
      body.append("exercise", document.getElementById("exercise").value);
      if (document.getElementById("annotate").checked) body.append("annotate", "1");
      body.append("video", file, file.name);
      try {
        const job = await api("POST", "/api/jobs", body);
        line.textContent = "";
        const link = document.createElement("a");
        link.href = "/jobs/" + encodeURIComponent(job.id);
        link.textContent = file.name + ": queued";
        line.appendChild(link);
        line.className = "ok-line";
      } catch (err) {
        line.textContent = file.name + ": " + err.message;
        line.className = "error-line";
      }
    }
  });
}

function verdictWords(v) {
  // the words of hipcheck.types.VERDICT_WORDS (the server renders the same)
  return { left: "likely weaker: left", right: "likely weaker: right", none: "no clear asymmetry",
           insufficient: "not enough evidence" }[v] || (v || "");
}

function updateRow(tr, job) {
  tr.className = "state-" + job.state;
  tr.querySelector(".state").textContent = job.state + (job.queue_position ? " · #" + job.queue_position + " in line" : "");
  tr.querySelector("progress").value = job.progress;
  tr.querySelector(".eta").textContent = job.eta_s != null ? Math.round(job.eta_s) + " s left" : "";
  const result = tr.querySelector(".result");
  if (job.state === "done") result.textContent = verdictWords(job.verdict);
  else if (job.error) { result.textContent = job.error; result.className = "result error-line"; }
  else result.textContent = "";
}

function setupQueue() {
  const table = document.getElementById("jobs");
  if (!table) return;
  async function poll() {
    try {
      const data = await api("GET", "/api/jobs");
      const known = new Set();
      for (const job of data.jobs) {
        known.add(job.id);
        const tr = table.querySelector('tr[data-id="' + CSS.escape(job.id) + '"]');
        if (tr) updateRow(tr, job);
        else { window.location.reload(); return; }
      }
    } catch (err) { /* the server restarts: try again at the next tick */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
}

function setupJob() {
  const box = document.getElementById("job");
  if (!box) return;
  const state = box.dataset.state;
  if (state !== "queued" && state !== "running") return;
  async function poll() {
    try {
      const job = await api("GET", "/api/jobs/" + encodeURIComponent(box.dataset.id));
      if (job.state !== state && (job.state === "done" || job.state === "failed")) { window.location.reload(); return; }
      document.getElementById("job-state").textContent = job.state;
      document.getElementById("job-position").textContent = job.queue_position ? "#" + job.queue_position + " in line" : "";
      const bar = document.getElementById("job-progress");
      if (bar) bar.value = job.progress;
      const eta = document.getElementById("job-eta");
      if (eta) eta.textContent = job.eta_s != null ? Math.round(job.eta_s) + " s left" : "";
    } catch (err) { /* try again */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
}

function setupButtons() {
  document.addEventListener("click", async function (e) {
    const button = e.target.closest("button");
    if (!button) return;
    try {
      if (button.classList.contains("rerun")) {
        const annotate = button.dataset.annotate ? "?annotate=true" : "";
        await api("POST", "/api/jobs/" + encodeURIComponent(button.dataset.id) + "/rerun" + annotate);
        window.location.href = "/jobs/" + encodeURIComponent(button.dataset.id);
      } else if (button.classList.contains("delete")) {
        if (!window.confirm("Delete " + button.dataset.what + " for good?")) return;
        await api("DELETE", "/api/jobs/" + encodeURIComponent(button.dataset.id));
        const row = button.closest("tr");
        if (row) row.remove(); else window.location.href = "/jobs";
      } else if (button.classList.contains("delete-person")) {
        if (!window.confirm("Delete " + button.dataset.person + " and every session for good?")) return;
        await api("DELETE", "/api/people/" + encodeURIComponent(button.dataset.person));
        window.location.href = "/people";
      }
    } catch (err) {
      window.alert(err.message);
    }
  });
}

setupUpload();
setupQueue();
setupJob();
setupButtons();
