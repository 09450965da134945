/* Recent activity: follows, shares and gifts (the events batches) as short toasts.
 *
 * At most `max` toasts at once (config widgets.activity, ?max=&seconds=&kinds=follow,gift):
 * a burst keeps only the newest. Arrivals are queued and the frame loop adds, ages and removes
 * toasts in one write pass per frame, sleeping when there is nothing on screen. The viewer's
 * nickname and the gift's name are untrusted: they go in as text nodes (Overlay.fill).
 */
"use strict";

(() => {
  const list = document.getElementById("toasts");
  let KINDS, MAX, SECONDS;
  function setup() {
    KINDS = new Set(Overlay.list("kinds", ["follow", "share", "gift"]));
    MAX = Overlay.number("max", 4, 1, 20);
    SECONDS = Overlay.number("seconds", 6, 0.5, 60);
  }
  setup();
  Overlay.onOptions(setup); // the next toasts follow a config edit; those on screen leave as planned
  const LEAVE_MS = 500;

  let incoming = [];
  const shown = []; // {li, until, leaving}

  function toast(event) {
    const li = document.createElement("li");
    li.className = "toast";
    li.dataset.kind = event.type;
    const icon = document.createElement("span");
    icon.className = "toast-icon";
    icon.setAttribute("aria-hidden", "true");
    const body = document.createElement("span");
    body.className = "toast-text";
    Overlay.fill(body, `activity_${event.type}`, {
      user: String(event.user || "?"),
      gift: String(event.gift || ""),
      count: Number(event.count) || 1,
    });
    li.append(icon, body);
    return li;
  }

  const wake = Overlay.animate((dt, now) => {
    for (const event of incoming) {
      const li = toast(event);
      list.appendChild(li);
      shown.push({ li, until: now + SECONDS * 1000, leaving: false });
    }
    incoming = [];
    // Too many on screen: the oldest leave at once.
    let extra = shown.filter((t) => !t.leaving).length - MAX;
    for (const t of shown) {
      if (extra <= 0) break;
      if (!t.leaving) {
        t.until = Math.min(t.until, now);
        extra--;
      }
    }
    for (let i = shown.length - 1; i >= 0; i--) {
      const t = shown[i];
      if (!t.leaving && now >= t.until) {
        t.leaving = true;
        t.li.classList.add("is-leaving");
      } else if (t.leaving && now >= t.until + LEAVE_MS) {
        t.li.remove();
        shown.splice(i, 1);
      }
    }
    return shown.length > 0;
  });

  Overlay.connect({
    events(events) {
      for (const event of events) {
        if (KINDS.has(event.type)) incoming.push(event);
      }
      if (incoming.length > MAX) incoming = incoming.slice(-MAX);
      if (incoming.length) wake();
    },
  });
})();
