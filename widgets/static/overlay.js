/* Shared by every widget: options, locale formatting, and a websocket that reconnects by itself.
 *
 * A widget calls Overlay.connect({state(s), events(list)}) once. The server sends the full
 * state first on every (re)connection, so a Browser Source that reloads or outlives a server
 * restart comes back with the right numbers; while disconnected the last numbers stay on
 * screen (no flash of zeros) and a small dot says we are offline.
 */
"use strict";

const Overlay = (() => {
  const raw = document.getElementById("overlay-options");
  const options = raw ? JSON.parse(raw.textContent) : {};
  // Options from the config can be overridden in the Browser Source URL (?locale=en&goal=main).
  for (const [key, value] of new URLSearchParams(location.search)) {
    if (key !== "texts") options[key] = value;
  }
  const locale = options.locale === "en" ? "en-US" : "fr-FR";
  const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });

  /** 10000 -> "10 000" in French (narrow no-break space), "10,000" in English. */
  function formatNumber(value) {
    return numberFormat.format(Math.round(value));
  }

  function text(key) {
    return (options.texts && options.texts[key]) || key;
  }

  /** Ease `current` toward `target`: fast for big gaps, never overshooting, frame-rate independent. */
  function approach(current, target, dtSeconds, halfLife = 0.18) {
    const k = 1 - Math.pow(0.5, dtSeconds / halfLife);
    const next = current + (target - current) * k;
    return Math.abs(target - next) < 0.5 ? target : next;
  }

  function connect(handlers) {
    const offline = document.getElementById("overlay-offline");
    let delay = 500;
    let socket = null;

    function open() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/ws`);
      socket.onopen = () => {
        delay = 500;
        if (offline) offline.hidden = true;
      };
      socket.onmessage = (message) => {
        let data;
        try {
          data = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        if (data.type === "state") {
          if (handlers.state) handlers.state(data.state);
          // For tests and curious creators: "live" once the current state is on screen.
          document.documentElement.dataset.overlay = "live";
        } else if (data.type === "events" && handlers.events) {
          handlers.events(data.events);
        }
      };
      socket.onclose = () => {
        if (offline) offline.hidden = false;
        document.documentElement.dataset.overlay = "offline";
        // Back off gently (0.5 s doubling to 5 s, with jitter) so a restarting server is not hammered.
        const wait = delay * (0.75 + Math.random() * 0.5);
        delay = Math.min(delay * 2, 5000);
        setTimeout(open, wait);
      };
      socket.onerror = () => socket.close();
    }

    open();
    return { close: () => socket && socket.close() };
  }

  return { options, locale, formatNumber, text, approach, connect };
})();
