// orbitwatch desk: live alerts by Server-Sent Events, forms posted without leaving the page,
// relative times kept fresh. No inline script anywhere (the CSP forbids it); feed text arrives
// as HTML the server already escaped, and is never built from strings here.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const toast = document.getElementById("toast");
  // For tests and the latency benchmark: when each pushed alert reached the page (epoch ms).
  window.deskReceived = [];

  function say(text, ok) {
    if (!toast) return;
    toast.textContent = text;
    toast.className = ok ? "ok shown" : "bad shown";
    clearTimeout(say.timer);
    say.timer = setTimeout(() => { toast.className = ""; }, 6000);
  }

  function ago(iso) {
    const then = Date.parse(iso);
    if (Number.isNaN(then)) return null;
    const s = Math.floor((Date.now() - then) / 1000);
    if (s < 60) return s >= -60 ? "just now" : "in the future";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }

  function refreshAges(root) {
    for (const el of (root || document).querySelectorAll("time.age")) {
      const text = ago(el.getAttribute("datetime"));
      if (text) el.textContent = text;
    }
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-async")) return;
    event.preventDefault();
    const data = new FormData(form, event.submitter || undefined);
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
        credentials: "same-origin",
      });
      let answer;
      try { answer = await response.json(); } catch (e) { answer = { ok: false, message: await response.text() }; }
      say(answer.message || response.statusText, answer.ok);
      const card = form.closest("[data-alert-id],[data-article-id]");
      if (card && answer.ok) card.setAttribute("data-done", answer.message);
    } catch (e) {
      say("the desk did not answer: " + e, false);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  const list = document.getElementById("alerts");
  const status = document.getElementById("kafka-status");
  if (list && list.hasAttribute("data-live") && window.EventSource) {
    const params = new URLSearchParams(list.dataset.filters || "");
    params.set("since", list.dataset.since || "0");
    const source = new EventSource("/events/alerts?" + params.toString());
    source.addEventListener("alert", (event) => {
      const message = JSON.parse(event.data);
      const seen = list.querySelector('[data-alert-id="' + CSS.escape(message.id) + '"]');
      if (seen) return; // shown once: a re-emitted alert keeps its id
      const holder = document.createElement("template");
      holder.innerHTML = message.html;
      const card = holder.content.firstElementChild;
      if (!card) return;
      card.classList.add("new");
      list.prepend(card);
      refreshAges(card);
      window.deskReceived.push({ id: message.id, at: Date.now() });
      const count = document.getElementById("alert-count");
      if (count) count.textContent = String(Number(count.textContent) + 1);
      document.querySelector(".empty")?.remove();
    });
    source.addEventListener("status", (event) => {
      const s = JSON.parse(event.data);
      if (!status) return;
      status.className = "status " + (s.kafka ? "ok" : "away");
      status.textContent = s.kafka ? "live"
        : "Kafka at " + s.kafka_address + " is unreachable: reconnecting, new alerts paused";
    });
    source.addEventListener("gap", (event) => {
      const gap = JSON.parse(event.data);
      say(gap.missed + " alert(s) fired while this page was away and are not shown: reload", false);
    });
    source.addEventListener("open", () => { document.body.dataset.stream = "open"; });
    source.addEventListener("error", () => {
      document.body.dataset.stream = "reconnecting";
      if (status) { status.className = "status away"; status.textContent = "connection to the desk lost: reconnecting"; }
    });
  }

  refreshAges();
  setInterval(refreshAges, 30000);
})();
