/* Index page: live source status, copy buttons, and previews scaled to fit their cards. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  function showSourceStatus(source) {
    const line = $("source-status");
    line.textContent = Overlay.sourceText(source, line.dataset);
  }

  Overlay.connect({
    state(state) {
      $("source-kind").textContent = Overlay.sourceName(state.source.kind);
      showSourceStatus(state.source);
      $("likes-total").textContent = Overlay.formatNumber(state.likes.total);
      $("likes-total-word").textContent = Overlay.likesWord(state.likes.total);
      $("likes-rate").textContent = Overlay.formatNumber(state.likes.per_minute);
      Overlay.showConfigStatus(state.config);
      Overlay.showSaving(state.saving);
      Overlay.showRecording(state.recording);
    },
    // The server went away (stopped, restarting): not "connected" with the last rate any more.
    offline() {
      $("source-status").textContent =
        document.documentElement.lang === "en" ? "server unreachable, reconnecting…" : "serveur injoignable, reconnexion…";
      $("likes-rate").textContent = "…";
    },
  });

  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.classList.add("done");
        setTimeout(() => button.classList.remove("done"), 1200);
      } catch (error) {
        // Clipboard refused (e.g. inside an OBS dock): the URL is selectable text next to the button.
      }
    });
  }

  function fit() {
    for (const box of document.querySelectorAll(".preview")) {
      const frame = box.querySelector("iframe");
      // Set from script (CSSOM), not a style attribute: the CSP allows no inline style.
      box.style.aspectRatio = `${frame.width} / ${frame.height}`;
      frame.style.transform = `scale(${box.clientWidth / frame.width})`;
    }
  }
  window.addEventListener("resize", fit);
  fit();
})();
