/* Control page: buttons and hotkeys that start challenges and correct the goal, plus the live's status.
 *
 * The token comes from this page's own URL (?token=...) and goes out as an Authorization
 * header with each action (never in a URL the server logs). Every number and name from the
 * server is written with textContent: nicknames are untrusted.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const labels = Overlay.options.labels || {};
  const token = new URLSearchParams(location.search).get("token") || "";
  const feedback = $("feedback");
  const current = $("current");
  const hotkeys = new Map();   // key (lower case) -> challenge button
  let deadline = null;         // performance.now() at which the running challenge ends
  let timer = 0;
  let feedbackTimer = 0;
  const MAX_PROGRESS = 1_000_000_000; // what /api/goals/progress accepts
  const CONFIRM_AFTER_MS = 400; // a second press sooner is a double click or a held key, not a confirmation
  const DOUBLE_CLICK_MS = 1000; // ...and a double click's second click (`detail` 2) sooner, even a slow one

  // A key held down repeats, and each repeat clicks the focused button again: those clicks are ignored.
  // (Only clicks made with a key, `detail` 0: a mouse click always counts, even if a keyup went missing
  // while the focus was elsewhere.)
  let held = false;
  document.addEventListener("keydown", (event) => { if (event.repeat) held = true; }, true);
  document.addEventListener("keyup", () => { held = false; }, true);
  window.addEventListener("blur", () => { held = false; });
  const repeated = (event) => held && event.detail === 0;

  // A double click is one start, as for "next": its second click (`detail` 2) would only say "Défi déjà en cours".
  function bind(button) {
    if (button.dataset.hotkey) hotkeys.set(button.dataset.hotkey.toLowerCase(), button);
    button.addEventListener("click", (event) => { if (!repeated(event) && event.detail <= 1) start(button); });
  }
  for (const button of document.querySelectorAll("[data-challenge]")) bind(button);

  /** A text of the creator's in this page's language, when it was written with a text per language. */
  const inLocale = Overlay.inLocale; // (a creator's text, in the page's language if given in it)

  /** The challenge buttons again, after config.yaml was edited (same markup as the template; text only). */
  async function reloadChallenges() {
    let data;
    try {
      const response = await fetch("/api/challenges", { cache: "no-store" });
      data = await response.json();
    } catch (error) {
      return; // offline: the buttons stay as they were
    }
    hotkeys.clear();
    const buttons = data.challenges.map((c) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "challenge-button";
      button.dataset.challenge = c.id;
      button.dataset.hotkey = c.hotkey || "";
      if (c.hotkey) {
        const kbd = document.createElement("kbd");
        kbd.textContent = c.hotkey;
        button.append(kbd, " ");
      }
      const text = document.createElement("span");
      text.className = "challenge-text";
      text.textContent = inLocale(c.text, c.text_by_locale);
      const meta = document.createElement("span");
      meta.className = "challenge-meta";
      const target = c.target ? `${Overlay.formatNumber(c.target)}\u00a0${Overlay.likesWord(c.target)}` : "";
      const duration = c.duration ? `${c.duration}\u00a0s` : "";
      meta.textContent = [target, duration].filter(Boolean).join(" · ");
      button.append(text, " ", meta);
      bind(button);
      return button;
    });
    if (!buttons.length) {
      const hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = labels.no_challenges;
      buttons.push(hint);
    }
    document.querySelector(".challenges").replaceChildren(...buttons);
  }
  let configVersion = null;

  /** A short message over the bottom of the page (in a narrow dock the end of the page is out of sight). */
  function say(message, isError = false) {
    feedback.textContent = message;
    feedback.classList.toggle("is-error", isError);
    place();
    clearTimeout(feedbackTimer);
    if (message) feedbackTimer = setTimeout(() => (feedback.textContent = ""), isError ? 8000 : 2500);
  }
  feedback.addEventListener("click", () => say(""));

  /** Over the top of the page instead when the bottom would hide what has focus: the form of a refused number,
   *  being fixed (in a dock, a form scrolled into sight sits at the bottom edge), or the button just pressed. */
  function place() {
    feedback.classList.remove("at-top");
    const focused = document.activeElement;
    if (!feedback.textContent || !focused || focused === document.body) return;
    const kept = (focused.closest("form") || focused).getBoundingClientRect();
    const shown = feedback.getBoundingClientRect();
    if (kept.bottom > shown.top && kept.top < shown.bottom) feedback.classList.add("at-top");
  }
  window.addEventListener("scroll", place, { passive: true }); // (the form may scroll under it)
  window.addEventListener("resize", place);

  function flash(button) {
    if (!button) return;
    button.classList.remove("is-pressed");
    void button.offsetWidth; // restart the CSS animation
    button.classList.add("is-pressed");
  }

  /** A label with its {names} filled in (by a function: a creator's "$&" stays as written, not a pattern). */
  function fill(label, values) {
    return label.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  /** "Objectif : 5 100 / 10 000": the goal on screen now, as the goal panel shows it. */
  function goalNow(goal) {
    const number = Overlay.formatNumber;
    return fill(labels.goal_now, { progress: number(goal.progress), target: number(goal.target) });
  }

  /** What an action did, read from the server's answer and the challenge's status before it (`was`): the challenge
   *  started, the goal now shown, or that there was nothing to do (`changed: false`: Escape with no challenge,
   *  "previous" on the first goal). */
  function outcome(data, was) {
    const c = data.challenge; // (the challenge just started, or the one already running: on screen)
    const unchanged = data.changed === false;
    switch (data.action) {
      case "challenge_start": {
        // (Not the answer's `message`: here the creator's text is drawn as on the widget, "vite\u00a0!".)
        const started = was === "running" ? labels.replaced : labels.started;
        const text = inLocale(c.text, c.text_by_locale);
        return fill(data.already_running ? labels.already_running : started, { text });
      }
      case "challenge_cancel":
        // A challenge already won or lost is not cancelled: its result leaves the screen (the history keeps it).
        if (unchanged) return labels.none;
        return was === "succeeded" || was === "failed" ? labels.cleared : labels.cancelled;
      case "goal_reset":
        return unchanged ? labels.goal_was_reset : labels.goal_reset;
      case "goal_next":
        return unchanged ? labels.last_goal : goalNow(data.goal);
      case "goal_previous":
        return unchanged ? labels.first_goal : goalNow(data.goal);
      case "set_progress":
      case "add_likes":
        return goalNow(data.goal);
      default:
        return labels.sent; // (an answer this page does not know yet: a newer server)
    }
  }

  /** POST an action, and say what it did (`done`: from the server's answer); true when the server took it. */
  async function send(path, body, done = outcome) {
    const was = current.dataset.status; // (before the websocket shows the action's effect)
    if (!token) {
      say(labels.no_token, true);
      return false;
    }
    let response;
    try {
      // Refusals come back in this page's language (`?locale=`), which may not be the config's.
      response = await fetch(`${path}?locale=${encodeURIComponent(Overlay.options.locale || "")}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(body || {}),
        cache: "no-store",
      });
    } catch (error) {
      say(labels.unreachable, true); // (the browser's own words, "Failed to fetch", are English and vague)
      return false;
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (response.status === 401) tokenProblem(labels.no_token);
    else if (response.status === 403 && data.code === "token_wrong") tokenProblem(labels.bad_token);
    else if (!response.ok) say(refusal(response.status, data), true);
    else {
      say(done(data, was));
      // Show the effect now; the websocket confirms it a frame later (unless the server has gone meanwhile).
      if ("challenge" in data && !offline) showChallenge(data.challenge);
      return true;
    }
    return false;
  }

  /** What the server said, in the page's language; an answer that is not ours (a crash: 500) says where to look. */
  function refusal(status, data) {
    const line = typeof data.error === "string" && data.error ? labels.error_line : labels.server_error;
    return line.replace("{status}", String(status)).replace("{message}", () => data.error); // ($& is not a pattern)
  }

  /** Every action will fail until the page is opened with the right token: say so at the top, and keep it. */
  function tokenProblem(message) {
    say(message, true);
    let warning = $("token-warning");
    if (!warning) {
      warning = document.createElement("p");
      warning.className = "warning";
      warning.id = "token-warning";
      warning.setAttribute("role", "alert");
      document.body.prepend(warning);
    }
    warning.textContent = message;
  }

  function start(button) {
    flash(button);
    send(`/api/challenges/${encodeURIComponent(button.dataset.challenge)}/start`);
  }

  function cancel() {
    flash($("cancel"));
    send("/api/challenges/cancel");
  }

  // -- buttons and forms ------------------------------------------------------------------

  $("cancel").addEventListener("click", cancel);
  for (const [action, path] of [["goal-previous", "/api/goals/previous"], ["goal-next", "/api/goals/next"]]) {
    const button = document.querySelector(`[data-action="${action}"]`);
    // One goal per press: a held Enter does not walk up the ladder (past the last step it never ends), and
    // a double click is one click (its second click has `detail` 2).
    button.addEventListener("click", (event) => {
      if (repeated(event) || event.detail > 1) return;
      flash(button);
      send(path);
    });
  }

  // Reset and "new live" lose something: they ask for a second press, at least 0.4 s and at most 3 s later
  // (a double click or a held Enter is not a confirmation), saying what it confirms.
  function twoStep(button, confirmText, action) {
    const text = button.textContent;
    let armed = 0;
    let armedAt = 0;
    function disarm() {
      clearTimeout(armed);
      armed = 0;
      button.textContent = text;
      button.classList.remove("is-armed");
    }
    button.addEventListener("click", (event) => {
      if (repeated(event)) return;
      if (armed) {
        // Timed from the input itself (`timeStamp`), not from when a busy PC gets round to this handler. A double
        // click's second click is told by its `detail`; past a second it confirms, whatever the mouse's settings.
        const since = event.timeStamp - armedAt;
        if (since < CONFIRM_AFTER_MS || (event.detail > 1 && since < DOUBLE_CLICK_MS)) return;
        disarm();
        action();
        return;
      }
      button.textContent = confirmText;
      button.classList.add("is-armed");
      armedAt = event.timeStamp;
      armed = setTimeout(disarm, 3000);
    });
  }
  twoStep($("goal-reset"), labels.confirm_reset, () => send("/api/goals/reset"));
  twoStep($("new-live"), labels.confirm_new_live, () => send("/api/lives/new", {}, () => labels.new_live_done));

  /** A whole number as people type it: `10000`, `10 000`, `10.000` or `10,000` (never 10.0), else NaN. */
  function wholeNumber(text) {
    const typed = text.trim();
    if (!/^\d+$|^\d{1,3}(?:[\s\u00a0\u202f.,']\d{3})+$/.test(typed)) return NaN;
    return Number(typed.replace(/\D/g, ""));
  }

  // Numbers are sent one after the other, in the order typed, both forms in one line ("set 5000" then "add 100" is
  // 5100). A number already waiting or on its way is not sent again (Enter held or pressed twice must not add twice),
  // but a different one typed meanwhile is sent after it, not dropped.
  let numbers = Promise.resolve();
  function numberForm(formId, inputId, key) {
    let pending = null; // the last number of this form not yet answered
    $(formId).addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $(inputId);
      const text = input.value;
      const value = wholeNumber(text);
      if (!Number.isInteger(value) || value < 0 || value > MAX_PROGRESS) {
        say(labels.bad_number, true);
        return;
      }
      if (pending && pending.text === text) return;
      const job = { text };
      pending = job;
      numbers = numbers.then(async () => {
        try {
          // Emptied once sent, unless something else was typed meanwhile (kept on an error, to fix and resend).
          if ((await send("/api/goals/progress", { [key]: value })) && input.value === text) {
            input.value = "";
            input.blur(); // the hotkeys work again
          }
        } finally {
          if (pending === job) pending = null;
        }
      }).catch((error) => console.error(error)); // (a failure must not stop the numbers typed after it)
    });
  }
  numberForm("set-form", "set-value", "set");
  numberForm("add-form", "add-value", "add");

  // -- keyboard: the configured hotkeys and Escape, while this page has focus ---------------

  document.addEventListener("keydown", (event) => {
    // (AltGr types a character, though Windows reports it as Ctrl+Alt: `@` on a French keyboard.)
    if ((event.ctrlKey || event.metaKey || event.altKey) && !event.getModifierState("AltGraph")) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
      if (event.key === "Escape") target.blur();
      return;
    }
    const key = event.key.toLowerCase();
    if (key === "escape") {
      event.preventDefault();
      if (!event.repeat) cancel();
      return;
    }
    // A digit hotkey also answers its key unshifted: on a French AZERTY keyboard the top row types & é " ' ...
    // (A printed character only: with NumLock off the numpad's keys are arrows, which must scroll the dock.)
    const digit = event.key.length === 1 ? /^(?:Digit|Numpad)(\d)$/.exec(event.code || "") : null;
    const unshifted = digit && !event.shiftKey && !event.getModifierState("AltGraph"); // (AltGr+à types @, not 0)
    const button = hotkeys.get(key) || (unshifted ? hotkeys.get(digit[1]) : undefined);
    if (button) {
      event.preventDefault();
      if (!event.repeat) start(button);
    }
  });

  // -- the live's state ---------------------------------------------------------------------

  function countdown() {
    if (deadline === null) return;
    const left = Math.max(0, (deadline - performance.now()) / 1000);
    // As the challenge widget says it on stream, "4:29", from a minute up (under, the widget's "42" is "42 s" here).
    const said = Overlay.timeLeft(left);
    write("current-timer", said.includes(":") ? said : `${said}\u00a0${labels.seconds}`);
    if (left <= 0) {
      clearInterval(timer);
      timer = 0;
    }
  }

  /** Text written only when it changes: a screen reader announces the status, not every state frame. */
  function write(id, text) {
    const element = $(id);
    if (element.textContent !== text) element.textContent = text;
  }

  function showChallenge(c) {
    current.dataset.status = c ? c.status : "none";
    current.dataset.id = c ? c.id : "";
    $("cancel").disabled = !c;
    if (!c) {
      write("current-text", labels.none);
      write("current-progress", "");
      write("current-timer", "");
      write("current-status", "");
      deadline = null;
      return;
    }
    write("current-text", inLocale(c.text, c.text_by_locale));
    const progress = Overlay.formatNumber(c.progress);
    const counted = `${progress}\u00a0${Overlay.likesWord(c.progress)}`;
    write("current-progress", c.target ? `${progress} / ${Overlay.formatNumber(c.target)}` : counted);
    write("current-status", labels[c.status] || c.status);
    if (c.status === "running" && typeof c.ends_in === "number") {
      deadline = performance.now() + c.ends_in * 1000;
      countdown();
      if (!timer) timer = setInterval(countdown, 250);
    } else {
      deadline = null;
      $("current-timer").textContent = "";
    }
  }

  let topShown = ""; // the rows on screen: a state that changes none of them (most of the ~30 a second) writes nothing

  function showTop(list) {
    const rows = (list || []).slice(0, 5).map((entry) => [String(entry.user), Overlay.formatNumber(entry.count)]);
    const key = JSON.stringify(rows);
    if (key === topShown) return;
    topShown = key;
    const items = rows.map(([user, count]) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = user;
      const number = document.createElement("span");
      number.className = "count";
      number.textContent = count;
      li.append(name, number);
      return li;
    });
    $("top-likers").replaceChildren(...items);
  }

  /** The server went away (stopped, restarting): say so where the live's status is, and freeze the countdown. */
  function onOffline() {
    $("source-dot").dataset.status = "offline";
    $("source-status").textContent = labels.server_offline;
    clearInterval(timer);
    timer = 0;
    deadline = null;
    $("current-timer").textContent = "";
    offline = true;
    // Back after a restart, the config may have changed (its version counts again from 1): ask again.
    if (configVersion !== null) configVersion = -1;
  }
  let offline = false;

  function onState(state) {
    if (offline) {
      offline = false;
      if (feedback.classList.contains("is-error")) say(""); // what failed while it was away is over
    }
    $("source-kind").textContent = Overlay.sourceName(state.source.kind);
    $("source-status").textContent = Overlay.sourceText(state.source, $("source-status").dataset);
    $("source-dot").dataset.status = state.source.status;
    $("likes-rate").textContent = Overlay.formatNumber(state.likes.per_minute);
    $("likes-total").textContent = Overlay.formatNumber(state.likes.total);
    $("likes-total-word").textContent = Overlay.likesWord(state.likes.total);
    $("goal-label").textContent = Overlay.goalLabel(state.goal);
    $("goal-progress").textContent = Overlay.formatNumber(state.goal.progress);
    $("goal-target").textContent = Overlay.formatNumber(state.goal.target);
    showChallenge(state.challenge);
    showTop(state.top_likers);
    Overlay.showConfigStatus(state.config);
    Overlay.showSaving(state.saving);
    Overlay.showRecording(state.recording);
    const version = state.config && state.config.version;
    if (configVersion !== null && version !== configVersion) reloadChallenges();
    configVersion = version;
  }

  Overlay.connect({ state: onState, offline: onOffline });
})();
