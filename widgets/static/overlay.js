/* Shared by every widget: options, theme, locale formatting, safe text, and a websocket that reconnects by itself.
 *
 * A widget calls Overlay.connect({state(s), events(list)}) once. The server sends the full
 * state first on every (re)connection, so a Browser Source that reloads or outlives a server
 * restart comes back with the right numbers; while disconnected the last numbers stay on
 * screen (no flash of zeros) and a small dot says we are offline.
 *
 * When config.yaml is edited, the state's `config.version` changes: the page fetches its options
 * again (`/widgets/NAME/options`, same URL query), re-applies theme, colours and texts, reloads
 * the custom CSS, and calls the widget's `Overlay.onOptions` hooks. OBS never reloads the page.
 *
 * Untrusted text (nicknames, gift names) only ever reaches the page through textContent.
 */
"use strict";

const Overlay = (() => {
  const root = document.documentElement;
  const raw = document.getElementById("overlay-options");
  const options = {}; // one object for the page's life: widgets may keep a reference to it
  const THEMES = ["tiktok", "minimal", "neon"];
  const ALIGN = ["left", "center", "right"];
  const VALIGN = ["top", "middle", "bottom"];
  // Options with a fixed set of values (the config checks the same ones).
  const CHOICES = {
    theme: THEMES,
    align: ALIGN,
    valign: VALIGN,
    variant: ["bar", "thermometer", "ring", "stacked"],
    basis: ["total", "session"],
  };
  // List options, written "a,b" in the URL: every item must be one of these.
  const LISTS = { kinds: ["follow", "share", "gift"] };
  const COLOURS = ["text_color", "accent", "accent_2"];

  /** Whether a URL option can stand in for the config's: a misspelt ?theme=neom, ?count=abc or ?accent=rouge is
   *  ignored, as the server ignores it. Kept, it would hide the config's value and every later edit of it. */
  function fitsUrl(key, value, fresh) {
    // (Own keys only: `"toString" in CHOICES` is true, and ?toString=1 stopped every page's script here.)
    const own = (table) => Object.prototype.hasOwnProperty.call(table, key);
    if (own(CHOICES)) return CHOICES[key].includes(value);
    // (?kinds=folow or the French words would leave the activity feed empty for good, saying nothing.)
    if (own(LISTS)) return value.split(",").every((item) => LISTS[key].includes(item.trim()));
    if (typeof fresh[key] === "number") return value.trim() !== "" && Number.isFinite(Number(value));
    if (COLOURS.includes(key)) return value === "" || CSS.supports("color", value);
    return true;
  }

  let given = ""; // the options as the server sent them (JSON), to tell whether a refetch changed anything

  function setOptions(fresh) {
    given = JSON.stringify({ ...fresh, config_version: undefined });
    for (const key of Object.keys(options)) delete options[key];
    Object.assign(options, fresh);
    // Options from the config can be overridden in the Browser Source URL (?theme=neon&count=3). Not the
    // locale: the server has read ?locale= already (`en-US` is `en`) and picked the texts to match.
    for (const [key, value] of new URLSearchParams(location.search)) {
      if (key !== "texts" && key !== "locale" && fitsUrl(key, value, fresh)) options[key] = value;
    }
  }
  setOptions(raw ? JSON.parse(raw.textContent) : {});

  let locale = "fr-FR";
  let numberFormat = null;
  let segmenter = null;
  function setLocale() {
    locale = options.locale === "en" ? "en-US" : "fr-FR";
    numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter(locale) : null;
  }
  setLocale();

  /** 10000 -> "10 000" in French (narrow no-break space), "10,000" in English. */
  function formatNumber(value) {
    return numberFormat.format(Math.round(value));
  }

  /** "like" or "likes" after `count`, in the page's language (French: 0 and 1 take the singular), softened
   *  with safe_wording like every built-in text. */
  function likesWord(count) {
    const rounded = Math.abs(Math.round(count));
    return text((options.locale === "en" ? rounded === 1 : rounded < 2) ? "like" : "likes");
  }

  // The source's kind in the page's language, as the stats pages name it ("demo" is "démo" in French).
  const SOURCES = {
    fr: { demo: "démo", replay: "rejeu", tiktok: "TikTok" },
    en: { demo: "demo", replay: "replay", tiktok: "TikTok" },
  };

  /** "démo", "rejeu", "TikTok" (English: "demo", "replay"): a source's kind as the index and control pages say it. */
  function sourceName(kind) {
    const names = options.locale === "en" ? SOURCES.en : SOURCES.fr;
    return Object.prototype.hasOwnProperty.call(names, kind) ? names[kind] : String(kind ?? "");
  }

  const COUNTING_EVERY_MS = 66;

  /** A big number that counts toward its value: `show(value, now, final)` rewrites it at most ~15 times a
   *  second (faster is unreadable, and each write costs a layout and a paint), and always writes the final
   *  value; it returns whether it wrote. `forget()` makes the next `show` write (numbers in a new locale). */
  function countingNumber(element) {
    let drawn = "";
    let at = -Infinity; // frame time of the last write
    return {
      show(value, now, final) {
        if (!final && now - at < COUNTING_EVERY_MS) return false;
        const text = formatNumber(value);
        if (text === drawn) return false;
        element.textContent = text;
        drawn = text;
        at = now;
        return true;
      },
      forget() {
        drawn = "";
      },
    };
  }

  /** A whole-number option, clamped; `fallback` when absent or not a number. */
  function number(key, fallback, min = -Infinity, max = Infinity) {
    const value = Number(options[key]);
    if (options[key] === undefined || options[key] === "" || !Number.isFinite(value)) return fallback;
    return Math.min(max, Math.max(min, value));
  }

  /** A list option: a JSON list from the config, or "a,b" from the URL. */
  function list(key, fallback) {
    const value = options[key];
    if (Array.isArray(value)) return value;
    if (typeof value === "string" && value) return value.split(",").map((s) => s.trim());
    return fallback;
  }

  // -- look: theme, colours, size, position (all through CSS variables) -----------------

  function applyLook() {
    if (THEMES.includes(options.theme)) root.dataset.theme = options.theme;
    if (ALIGN.includes(options.align)) root.dataset.align = options.align;
    if (VALIGN.includes(options.valign)) root.dataset.valign = options.valign;
    // setProperty cannot break out of the declaration. A colour CSS cannot read is left out: a custom property
    // takes anything, and `--accent: rouge` would leave every var(--accent) empty (the goal bar's fill gone).
    // An option emptied by a config edit gives the theme's value back.
    const vars = { font: "--font", text_color: "--text", accent: "--accent", accent_2: "--accent-2" };
    for (const [key, name] of Object.entries(vars)) {
      const value = options[key];
      const usable = typeof value === "string" && value && (!COLOURS.includes(key) || CSS.supports("color", value));
      if (usable) root.style.setProperty(name, value);
      else root.style.removeProperty(name);
    }
    const scale = number("scale", 1, 0.25, 4);
    if (scale !== 1) root.style.setProperty("--scale", String(scale));
    else root.style.removeProperty("--scale");
  }
  applyLook();

  /** A theme colour as the canvas needs it (canvases cannot read CSS variables). */
  function color(name, fallback) {
    return getComputedStyle(root).getPropertyValue(name).trim() || fallback;
  }

  // -- texts ------------------------------------------------------------------------------

  function template(key) {
    return (options.texts && options.texts[key]) || key;
  }

  function show(value) {
    return typeof value === "number" ? formatNumber(value) : String(value ?? "");
  }

  /** A translated text with {name} placeholders filled (numbers formatted); a plain string. */
  function text(key, values = {}) {
    return template(key).replace(/\{(\w+)\}/g, (all, name) => (name in values ? show(values[name]) : all));
  }

  /** Fill `element` with a translated text; values become text nodes, `{user}` a <strong>. Never HTML.
   *  Each value is bidi-isolated like a <bdi> (dir=auto; the widget's CSS adds unicode-bidi: isolate): a
   *  nickname holding a right-to-left override (U+202E) cannot turn the words after it around. */
  function fill(element, key, values) {
    const parts = template(key).split(/(\{\w+\})/);
    const nodes = [];
    for (const part of parts) {
      const match = /^\{(\w+)\}$/.exec(part);
      if (!match || !(match[1] in values)) {
        if (part) nodes.push(document.createTextNode(part));
        continue;
      }
      const span = document.createElement(match[1] === "user" ? "strong" : "span");
      span.className = `v-${match[1]}`;
      span.dir = "auto";
      span.textContent = show(values[match[1]]);
      nodes.push(span);
    }
    element.replaceChildren(...nodes);
  }

  /** "léa martin" -> "LM"; emoji and accents stay whole (graphemes, not UTF-16 halves). */
  function initials(name) {
    const words = String(name || "?").trim().split(/\s+/).slice(0, 2);
    return words
      .map((word) => (segmenter ? segmenter.segment(word)[Symbol.iterator]().next().value?.segment : word[0]) || "")
      .join("")
      .toLocaleUpperCase(locale) || "?";
  }

  /** A stable hue for a name, so a viewer's initials keep their colour. */
  function hue(name) {
    let h = 0;
    for (const ch of String(name)) h = (h * 31 + ch.codePointAt(0)) % 360;
    return h;
  }

  /** Only https avatars (TikTok's CDN); anything else shows the initials. */
  function safeImage(url) {
    return typeof url === "string" && /^https:\/\/[^\s"'<>]+$/i.test(url) ? url : "";
  }

  // -- animation --------------------------------------------------------------------------

  /** Ease `current` toward `target`: fast for big gaps, never overshooting, frame-rate independent. */
  function approach(current, target, dtSeconds, halfLife = 0.18) {
    const k = 1 - Math.pow(0.5, dtSeconds / halfLife);
    const next = current + (target - current) * k;
    return Math.abs(target - next) < 0.5 ? target : next;
  }

  /** Run `draw(dt, now)` once per animation frame while it returns true; `wake()` starts it again.
   *  Widgets keep their DOM writes inside `draw`, so the page does at most one write pass per frame. */
  function animate(draw) {
    let running = false;
    let last = 0;
    function frame(now) {
      const dt = last ? Math.min(0.1, (now - last) / 1000) : 0;
      last = now;
      if (draw(dt, now)) {
        requestAnimationFrame(frame);
      } else {
        running = false;
        last = 0;
      }
    }
    return function wake() {
      if (!running) {
        running = true;
        requestAnimationFrame(frame);
      }
    };
  }

  // -- config edits: new options without reloading the page ------------------------------

  const optionHooks = [];
  let configVersion = options.config_version ?? null; // null: not a widget page (index, control)
  // As the server reads ?locale= (`en-US` is `en`; an unknown one is the config's).
  const asked = (new URLSearchParams(location.search).get("locale") || "").toLowerCase().split(/[-_]/)[0];
  const followsConfig = !["fr", "en"].includes(asked);
  let fetching = 0;

  /** Call `hook()` after a config edit changed the options or the custom CSS: re-read Overlay.options and
   *  redraw (canvases read their colours again). It runs once the new custom CSS applies. */
  function onOptions(hook) {
    optionHooks.push(hook);
  }

  let styles = 0; // custom CSS loads: each under a new URL, so it is fetched again and fires `load`

  /** The custom CSS link (theme.custom_css), added, reloaded or removed to match the options; resolves once
   *  the page has its new look (the stylesheet loaded, or failed to). */
  function restyle() {
    let link = document.getElementById("overlay-custom-css");
    if (!options.custom_css) {
      if (link) link.remove();
      return Promise.resolve();
    }
    if (!link) {
      link = document.createElement("link");
      link.id = "overlay-custom-css";
      link.rel = "stylesheet";
      document.head.appendChild(link);
    }
    return new Promise((done) => {
      link.onload = link.onerror = () => done(); // (a newer edit's load replaces these: only it redraws)
      // (Not the config version: a restarted server counts again from 1, and the same URL would not load.)
      link.href = `/theme/custom.css?n=${++styles}`;
    });
  }

  async function refresh(version) {
    const mine = ++fetching;
    let fresh;
    try {
      const response = await fetch(`/widgets/${encodeURIComponent(options.widget)}/options${location.search}`, {
        cache: "no-store",
      });
      if (!response.ok) return;
      fresh = await response.json();
    } catch (error) {
      return; // offline: the next state after reconnecting asks again
    }
    if (mine !== fetching) return; // a newer edit is being fetched
    const changed = JSON.stringify({ ...fresh, config_version: undefined }) !== given;
    if (changed) {
      setOptions(fresh);
      setLocale();
      applyLook();
      root.lang = options.locale === "en" ? "en" : "fr";
    }
    const styled = restyle();
    // An edit of the custom CSS file alone changes no option, but it may change the colours.
    if (changed || options.custom_css) {
      await styled; // hooks read the new look (a canvas cannot follow CSS variables by itself)
      if (mine !== fetching) return;
      for (const hook of optionHooks) hook(options);
    }
    root.dataset.configVersion = String(version); // for tests: the page has caught up with this edit
  }

  function configChanged(status) {
    if (configVersion === null || !status || typeof status.version !== "number") return;
    if (status.version === configVersion) return;
    configVersion = status.version;
    refresh(status.version);
  }

  // -- index and control pages: what is wrong with config.yaml ----------------------------

  let shownStatus = "";

  /** Fill the page's #config-status box from `state.config`: the error (red) and the wording warnings, as text. */
  function showConfigStatus(status) {
    const box = document.getElementById("config-status");
    const key = JSON.stringify(status || null);
    if (!box || key === shownStatus) return;
    shownStatus = key;
    // In the page's language (?locale=), which may not be the config's.
    const error = status && ((status.error_by_locale || {})[options.locale] || status.error);
    const said = status && ((status.warnings_by_locale || {})[options.locale] || status.warnings);
    const warnings = (status && !status.safe_wording && said) || [];
    const safe = Boolean(status && status.safe_wording && said && said.length);
    document.getElementById("config-error-text").textContent = error || "";
    document.getElementById("config-error").hidden = !error;
    document.getElementById("config-warning-list").replaceChildren(
      ...warnings.map((line) => {
        const li = document.createElement("li");
        li.textContent = line;
        return li;
      }),
    );
    document.getElementById("config-warning-count").textContent = String(warnings.length);
    document.getElementById("config-warnings").hidden = warnings.length === 0;
    document.getElementById("config-safe").hidden = !safe;
    // Edits of server.*, source, tiktok.*... wait for a restart: say which, until then.
    const restart = (status && status.restart) || [];
    document.getElementById("config-restart-keys").textContent = restart.join(", ");
    document.getElementById("config-restart").hidden = restart.length === 0;
    box.hidden = !error && warnings.length === 0 && !safe && restart.length === 0;
  }

  /** Show the alert `id` with `error` (as text), or hide it when there is none. */
  function showProblem(id, error) {
    const box = document.getElementById(id);
    if (!box) return;
    const text = document.getElementById(id + "-text");
    if (text.textContent !== error) text.textContent = error;
    box.hidden = !error;
  }

  /** Whether the live is being saved (`state.saving`): the index and control pages say when it is not. */
  function showSaving(saving) {
    // In the page's language (?locale=), which may not be the config's.
    const error = saving && !saving.ok && ((saving.error_by_locale || {})[options.locale] || saving.error);
    showProblem("save-problem", error || "");
  }

  /** Whether the `--record` file still gets the live (`state.recording`): the same pages say when it stopped. */
  function showRecording(recording) {
    showProblem("record-problem", (recording && recording.error && `${recording.file}: ${recording.error}`) || "");
  }

  /** What the source is doing, in the page's language: its detail, else the page's word for its status. */
  function sourceText(source, words) {
    const detail = (source.detail_by_locale || {})[options.locale] || source.detail;
    const word = words[source.status];
    return detail || (typeof word === "string" ? word : source.status);
  }

  /** A text the creator wrote (a goal's label, a challenge's prompt), as drawn: the space before ! ? : ; » and after
   *  « becomes a no-break one. Chromium breaks a line at such a space, and a prompt on stream ended with its "!" alone
   *  on a line of its own ("Faites exploser le compteur" / "!"). */
  function ownText(text) {
    return String(text ?? "").replace(/ (?=[!?:;»])/g, "\u00a0").replace(/« /g, "«\u00a0");
  }

  /** A countdown as the challenge widget shows it: "4:29" from a minute up, "42" under (whole seconds, rounded up). */
  function timeLeft(seconds) {
    const s = Math.ceil(seconds);
    return s >= 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` : `${s}`;
  }

  /** A creator's text in the page's language when it is given in it (`by_locale`), else as written. */
  function inLocale(text, byLocale) {
    return ownText((byLocale || {})[options.locale] || text);
  }

  /** A goal's label in the page's language when it is built in (past the configured steps); else as written. */
  function goalLabel(goal) {
    return inLocale(goal.label, goal.label_by_locale);
  }

  // -- the server -------------------------------------------------------------------------

  function connect(handlers) {
    const offline = document.getElementById("overlay-offline");
    let delay = 500;
    let socket = null;
    let opened = false;

    function open() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      // A widget without an events handler is spared the animation batches; ?fps=N in the Browser
      // Source URL asks for up to N state frames a second (the server's default is 30).
      const query = new URLSearchParams();
      if (!handlers.events) query.set("events", "0");
      const fps = Number(options.fps);
      if (Number.isInteger(fps) && fps >= 1 && fps <= 60) query.set("fps", String(fps));
      const suffix = query.toString() ? `?${query}` : ""; // (not query.size: OBS's browser predates it)
      socket = new WebSocket(`${scheme}://${location.host}/ws${suffix}`);
      socket.onopen = () => {
        delay = 500;
        if (offline) offline.hidden = true;
        // Back after a restart: the config may have been edited meanwhile, so the next state refetches.
        if (opened && configVersion !== null) configVersion = -1;
        opened = true;
      };
      socket.onmessage = (message) => {
        let data;
        try {
          data = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        if (data.type === "state") {
          // The index and control pages are written in the config's language, unless their URL asks for one: after
          // an edit of `locale` they are written again (a widget redraws itself in place, `configChanged`).
          if (configVersion === null && followsConfig && data.state.locale && data.state.locale !== options.locale) {
            location.reload();
            return;
          }
          configChanged(data.state.config);
          if (handlers.state) handlers.state(data.state);
          // For tests and curious creators: "live" once the current state is on screen.
          if (root.dataset.overlay !== "live") root.dataset.overlay = "live";
        } else if (data.type === "events" && handlers.events) {
          handlers.events(data.events);
        }
      };
      socket.onclose = () => {
        if (offline) offline.hidden = false;
        if (handlers.offline) handlers.offline();
        root.dataset.overlay = "offline";
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

  return {
    options, formatNumber, likesWord, sourceName, countingNumber, number, list, color, text, fill, initials, hue, safeImage,
    approach, animate, timeLeft,
    connect, onOptions, showConfigStatus, showSaving, showRecording, sourceText, goalLabel, inLocale,
    get locale() {
      return locale;
    },
  };
})();
