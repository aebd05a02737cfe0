// aisle storefront: progressive enhancement only; every page works without this file.
"use strict";
document.documentElement.classList.add("js");

function autocomplete(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const status = document.getElementById("q-status");  // read out by screen readers as suggestions come and go
  let items = [], active = -1, timer = null, latest = 0;

  function close() {
    list.hidden = true; list.innerHTML = ""; items = []; active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }
  function highlight(index) {
    active = index;
    items.forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", items[index].id);
    else input.removeAttribute("aria-activedescendant");
  }
  function choose(li) {
    if (li.dataset.href) { window.location.href = li.dataset.href; return; }
    input.value = li.dataset.text; close(); input.form.submit();
  }
  function show(suggestions) {
    close();
    if (status) {
      const n = suggestions.length;
      status.textContent = n ? n + (n === 1 ? " suggestion" : " suggestions") + ": up and down arrows to choose" : "";
    }
    if (!suggestions.length) return;
    suggestions.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = "q-opt-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.dataset.text = s.text;
      if (s.type === "product") li.dataset.href = "/p/" + s.product_id;
      if (s.type === "category") li.dataset.href = "/c/" + s.id;
      const text = document.createElement("span"); text.textContent = s.text;
      const kind = document.createElement("span"); kind.className = "kind"; kind.textContent = s.type === "query" ? "" : s.type;
      li.append(text, kind);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(li); });
      list.appendChild(li); items.push(li);
    });
    list.hidden = false; input.setAttribute("aria-expanded", "true");
  }
  async function fetchFor(text) {
    const ticket = ++latest;
    try {
      const response = await fetch("/api/v1/products/autocomplete?q=" + encodeURIComponent(text));
      if (!response.ok || ticket !== latest) return;
      const body = await response.json();
      if (ticket === latest && input.value.trim() === text) show(body.suggestions || []);
    } catch (_) { /* offline or slow: no suggestions, typing goes on */ }
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) { close(); return; }
    timer = setTimeout(() => fetchFor(text), 120);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && items.length) { e.preventDefault(); highlight((active + 1) % items.length); }
    else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
    // an open list is closed and the typed words kept (the browser's own Escape clears a search box)
    else if (e.key === "Escape" && items.length) { e.preventDefault(); close(); }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

function variantPicker(form) {
  const set = (field, value) => {
    const el = document.querySelector('[data-field="' + field + '"]');
    if (!el) return;
    if (field === "was") { el.hidden = !value; el.querySelector("s").textContent = value; return; }
    if (field === "deal") { el.hidden = !value; el.textContent = value; return; }
    el.textContent = value;
  };
  form.addEventListener("change", (e) => {
    const radio = e.target;
    if (radio.name !== "variant") return;
    const d = radio.dataset;
    set("amount", d.amount); set("was", d.was); set("deal", d.deal); set("stock", d.stock);
    const stock = document.querySelector('[data-field="stock"]');
    stock.className = "stock " + (d.status === "OUT_OF_STOCK" ? "out" : d.status === "LOW_STOCK" ? "low" : "in");
    set("sku", d.sku);
    if (d.picture !== "") showPicture(Number(d.picture));
    const url = new URL(window.location.href); url.searchParams.set("variant", radio.value);
    history.replaceState(null, "", url);
    // the links and the review form that name a variant now name this one, as the page without JavaScript would
    document.querySelectorAll("a.thumb, form.review-form").forEach((el) => {
      const attribute = el.tagName === "FORM" ? "action" : "href";
      const target = new URL(el.getAttribute(attribute), window.location.href);
      target.searchParams.set("variant", radio.value);
      el.setAttribute(attribute, target.pathname + target.search + target.hash);
    });
  });
}

function showPicture(index) {
  const big = document.getElementById("gallery-big");
  const main = document.querySelector(".main-img");
  const picture = big && big.content.children[index];
  if (!picture || !main) return;
  main.replaceChildren(picture.cloneNode(true));
  document.querySelectorAll(".thumb").forEach((t) => t.setAttribute("aria-current", String(Number(t.dataset.index) === index)));
}

function gallery() {
  document.querySelectorAll(".thumb").forEach((button) => button.addEventListener("click", (event) => {
    event.preventDefault();  // a link for pages without JavaScript: here the picture changes in place
    showPicture(Number(button.dataset.index));
  }));
}

// a page shown again by Back (from the back/forward cache) keeps the choice made before leaving; the menu should say
// what the URL sorts by
window.addEventListener("pageshow", (e) => { if (e.persisted) document.querySelectorAll("form.sort").forEach((f) => f.reset()); });

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll('input[role="combobox"]').forEach(autocomplete);
  document.querySelectorAll("form.variants").forEach(variantPicker);
  gallery();
});
