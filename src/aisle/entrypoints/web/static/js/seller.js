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
        [e.line, e.field, e.reason].forEach((v) => { const td = document.createElement("td"); td.textContent = v ?? ""; tr.appendChild(td); });
        return tr;
      }));
    }
    if (!job.finished_at) setTimeout(poll, 700);
  }
  poll();
}

document.addEventListener("DOMContentLoaded", () => { priceDialog(); jobProgress(); });
