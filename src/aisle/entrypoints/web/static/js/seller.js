// aisle seller portal: live job progress, the price confirmation dialog, image uploads with progress.
"use strict";

function priceDialog() {
  const dialog = document.getElementById("confirm-price");
  if (!dialog) return;
  if (dialog.open && dialog.showModal) { dialog.close(); dialog.showModal(); }
  dialog.querySelectorAll("[data-close-dialog]").forEach((b) => b.addEventListener("click", () => dialog.close()));
}

function jobProgress() {
  const root = document.getElementById("job");
  if (!root || root.dataset.done === "true") return;
  const field = (name) => root.querySelector('[data-job="' + name + '"]');
  async function poll() {
    const response = await fetch("/seller/jobs/" + root.dataset.job + "/status", { credentials: "same-origin" });
    if (!response.ok) return;
    const job = await response.json();
    ["status", "processed", "succeeded", "failed"].forEach((k) => { field(k).textContent = job[k]; });
    document.getElementById("job-progress").value = job.processed;
    const rows = document.getElementById("job-errors");
    if (job.errors.length) {
      rows.replaceChildren(...job.errors.map((e) => {
        const tr = document.createElement("tr");
        [["Line", e.line], ["Field", e.field], ["Reason", e.reason]].forEach(([label, v]) => {
          const td = document.createElement("td");
          td.dataset.label = label;
          td.textContent = v ?? "";
          tr.appendChild(td);
        });
        return tr;
      }));
    } else if (job.finished_at) {
      rows.querySelector("td").textContent = "None.";
    }
    if (!job.finished_at) setTimeout(poll, 700);
  }
  poll();
}

function confirmations() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => form.addEventListener("submit", (e) => {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  }));
}

// a second click while the first save is on its way would save twice (the second then told it was stale, or its
// SKU taken, by the first); after 10 s without an answer, or once the page is shown again by Back, it may be sent
function oneSubmitEach() {
  document.querySelectorAll('form[method="post"]').forEach((form) => form.addEventListener("submit", (e) => {
    if (e.defaultPrevented) return;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    setTimeout(() => { delete form.dataset.sent; }, 10000);
  }));
  window.addEventListener("pageshow", () => document.querySelectorAll("form[data-sent]").forEach((f) => { delete f.dataset.sent; }));
}

document.addEventListener("DOMContentLoaded", () => { priceDialog(); jobProgress(); confirmations(); oneSubmitEach(); });

function pictures() {
  const root = document.getElementById("pictures");
  if (!root) return;
  const form = root.querySelector("form.upload-form");
  const input = document.getElementById("upload");
  const progress = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const listUrl = "/seller/products/" + root.dataset.product + "/images.json";

  async function waitUntilRendered() {
    for (let i = 0; i < 60; i++) {
      const response = await fetch(listUrl, { credentials: "same-origin" });
      if (response.ok && !(await response.json()).some((image) => image.status === "PENDING")) break;
      await new Promise((done) => setTimeout(done, 500));
    }
    const url = new URL(window.location.href);
    url.searchParams.delete("saved");  // the pictures are news now, not the save before them
    window.location.replace(url.href);
  }
  function send(files) {
    const body = new FormData();
    Array.from(files).forEach((file) => body.append("file", file));
    body.append("alt_text", document.getElementById("upload-alt").value);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-CSRF-Token", root.dataset.csrf);
    request.setRequestHeader("Accept", "application/json");
    progress.hidden = false; progress.value = 0;
    request.upload.addEventListener("progress", (e) => { if (e.lengthComputable) progress.value = (100 * e.loaded) / e.total; });
    request.addEventListener("load", () => {
      if (request.status === 202) { progress.value = 100; status.textContent = "Uploaded; making thumbnails…"; waitUntilRendered(); return; }
      let reason = "the upload failed (" + request.status + ")";
      try { reason = JSON.parse(request.responseText).detail || reason; } catch (_) { /* not JSON */ }
      status.textContent = reason; progress.hidden = true;
    });
    request.addEventListener("error", () => { status.textContent = "The upload failed; check the connection."; progress.hidden = true; });
    request.send(body);
  }
  // only the Upload button sends, so the alt text typed after choosing the files goes with them
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.files.length) send(input.files); else status.textContent = "Choose a picture first.";
  });
}

document.addEventListener("DOMContentLoaded", pictures);
