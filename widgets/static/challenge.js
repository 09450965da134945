/* Challenge widget: the prompt enters, counts down, fills with the likes received during it,
 * celebrates success or shows the failure text, then leaves the screen.
 *
 * The server says what is on screen (`state.challenge`: null or {id, text, target, progress,
 * ends_in, elapsed, status}); this page only animates it. The countdown runs locally from `ends_in`,
 * re-anchored on every state frame. Result texts come from the config (`GET /api/challenges`).
 * Every text is written with textContent: config texts are shown as text, never as HTML.
 * A long prompt or result shrinks (then loses lines) so that the whole card, progress row included, fits the source.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const root = $("challenge");
  const text = $("challenge-text");
  const track = $("challenge-track");
  const fill = $("challenge-fill");
  const count = $("challenge-count");
  const timer = $("challenge-timer");
  const result = $("challenge-result");
  const confetti = $("challenge-confetti");

  const DEFAULTS = {
    fr: { succeeded: "Défi réussi\u202f!", failed: "Raté… on retente\u202f?" }, // (French spacing, never wrapped)
    en: { succeeded: "Challenge complete!", failed: "So close… next time!" },
  };
  let defaults = DEFAULTS[Overlay.options.locale] || DEFAULTS.fr;
  const LEAVE_MS = 600;
  const GRACE_SECONDS = 1;
  const FIT_FLOOR = 0.5; // the texts shrink to half size at most: smaller is unreadable on a stream

  let configured = {};   // challenge id -> {success_text, failure_text}
  let shown = null;      // the challenge as last drawn
  let deadline = null;   // performance.now() when the countdown reaches 0
  let startedAt = null;  // performance.now() when the challenge on screen started (from `elapsed`)
  let drawnTimer = "";
  let leaveTimer = 0;
  let goneTimer = 0; // leaves a result on its own when the server, cut off, cannot say it is over
  let ticking = false;
  let configVersion = null; // the result texts are read again after each config edit
  let fitted = ""; // what the card was last fitted to (its texts and rows); "" measures it again

  async function loadTexts() {
    try {
      const response = await fetch("/api/challenges", { cache: "no-store" });
      const data = await response.json();
      configured = Object.fromEntries(data.challenges.map((c) => [c.id, c]));
    } catch (error) {
      // Offline for now: the default texts are used, and the next new challenge tries again.
    }
  }

  /** A text of the creator's in this widget's language, when it was written with a text per language. */
  const inLocale = Overlay.inLocale; // (a creator's text, in the page's language if given in it)

  function resultText(c) {
    const own = configured[c.id] || {};
    return c.status === "succeeded"
      ? inLocale(own.success_text, own.success_text_by_locale) || defaults.succeeded
      : inLocale(own.failure_text, own.failure_text_by_locale) || defaults.failed;
  }

  /** The whole card fits the source's height: the prompt and the result shrink together (--fit, a short
   *  binary search) down to FIT_FLOOR; still too tall, the longer of them loses lines (an ellipsis ends it).
   *  The progress row is never cut. Each try is a layout, so this runs only when a text, a row, the options
   *  or the viewport change, never per frame. offsetHeight ignores the entrance's transform. */
  function fitCard() {
    const room = document.documentElement.clientHeight;
    const fits = (fit) => {
      root.style.setProperty("--fit", String(fit));
      return root.offsetHeight < room; // (rounded: strictly less leaves the half pixel it may hide)
    };
    for (const el of [text, result]) el.classList.remove("is-clamped");
    if (fits(1)) return;
    if (fits(FIT_FLOOR)) {
      let [small, big] = [FIT_FLOOR, 1];
      for (let i = 0; i < 6; i++) {
        const mid = (small + big) / 2;
        if (fits(mid)) small = mid;
        else big = mid;
      }
      root.style.setProperty("--fit", String(small));
      return;
    }
    const texts = [text, result]
      .filter((el) => !el.hidden)
      .map((el) => ({ el, line: parseFloat(getComputedStyle(el).lineHeight) }));
    for (const t of texts) t.lines = Math.round(t.el.offsetHeight / t.line);
    let excess = root.offsetHeight - room + 1;
    while (excess > 0) {
      const longest = texts.reduce((a, b) => (b.lines > a.lines ? b : a));
      if (longest.lines <= 1) break; // one line each: the rest is the creator's ?scale=
      longest.lines -= 1;
      excess -= longest.line;
    }
    for (const t of texts) {
      t.el.style.setProperty("--lines", String(t.lines));
      t.el.classList.add("is-clamped");
    }
  }

  /** Only a new text or row changes the card's height: the count, the timer and the bar keep it. */
  function fitIfChanged() {
    const layout = JSON.stringify([text.textContent, result.hidden || result.textContent, timer.hidden, track.hidden]);
    if (layout === fitted || root.hidden) return; // (hidden: measured once it shows)
    fitCard();
    fitted = layout;
  }

  function refit() {
    fitted = "";
    fitIfChanged();
  }

  function restart(className) {
    root.classList.remove(className);
    void root.offsetWidth; // restart the CSS animation
    root.classList.add(className);
  }

  function isNew(c) {
    if (!shown || c.id !== shown.id) return true;
    if (c.status === "running" && shown.status !== "running") return true; // started again after a result
    if (c.status === "running" && c.progress < shown.progress) return true; // restarted while running
    // Started again while running: it started later than the one on screen (an edited duration is not a restart).
    return c.status === "running" && startedAt !== null && performance.now() - c.elapsed * 1000 > startedAt + 1500;
  }

  function drawTimer() {
    const left = Math.max(0, (deadline - performance.now()) / 1000);
    const shownTime = Overlay.timeLeft(left);
    if (shownTime !== drawnTimer) {
      timer.textContent = shownTime;
      drawnTimer = shownTime;
      timer.classList.toggle("is-urgent", left <= 5);
    }
  }

  function tick() {
    if (deadline === null) {
      ticking = false;
      return;
    }
    drawTimer();
    requestAnimationFrame(tick);
  }

  function celebrate() {
    const pieces = [];
    for (let i = 0; i < 24; i++) {
      const piece = document.createElement("i");
      piece.className = "confetti";
      piece.style.setProperty("--x", `${Math.random() * 100}%`);
      piece.style.setProperty("--delay", `${Math.random() * 0.5}s`);
      piece.style.setProperty("--hue", `${Math.floor(Math.random() * 360)}`);
      piece.style.setProperty("--drift", `${Math.round(Math.random() * 160 - 80)}px`);
      pieces.push(piece);
    }
    confetti.replaceChildren(...pieces);
  }

  function enter(c) {
    clearTimeout(leaveTimer);
    root.classList.remove("is-leaving", "is-succeeded", "is-failed");
    result.hidden = true;
    result.textContent = "";
    confetti.replaceChildren();
    root.hidden = false;
    restart("is-entering");
    if (!(c.id in configured)) loadTexts();
  }

  function leave() {
    root.dataset.status = "none";
    deadline = null;
    restart("is-leaving");
    clearTimeout(leaveTimer);
    leaveTimer = setTimeout(() => {
      root.hidden = true;
      root.classList.remove("is-leaving", "is-entering", "is-succeeded", "is-failed");
      confetti.replaceChildren();
    }, LEAVE_MS);
  }

  function draw(c) {
    if (isNew(c)) {
      enter(c);
      startedAt = null;
    }
    if (startedAt === null) startedAt = performance.now() - c.elapsed * 1000;
    const ended = c.status !== "running";
    const justEnded = ended && (!shown || shown.id !== c.id || shown.status === "running");
    const prompt = inLocale(c.text, c.text_by_locale);
    if (text.textContent !== prompt) text.textContent = prompt;
    track.hidden = !c.target;
    if (c.target) fill.style.transform = `scaleX(${Math.min(1, c.progress / c.target).toFixed(4)})`;
    const progress = Overlay.formatNumber(c.progress);
    // Without a target, the likes are counted in the built-in word: "like(s)", or a heart with safe_wording.
    const after = c.target ? `/ ${Overlay.formatNumber(c.target)}` : Overlay.likesWord(c.progress);
    count.textContent = `${progress} ${after}`;
    if (!ended && typeof c.ends_in === "number") {
      deadline = performance.now() + c.ends_in * 1000;
      timer.hidden = false;
      drawTimer(); // now, not next frame: the card is measured with its timer
      if (!ticking) {
        ticking = true;
        requestAnimationFrame(tick);
      }
    } else {
      deadline = null;
      timer.hidden = true;
      drawnTimer = "";
    }
    clearTimeout(goneTimer);
    if (typeof c.leaves_in === "number") {
      // Normally the server's result and `null` come first; this is for a server that went away meanwhile.
      goneTimer = setTimeout(clear, (c.leaves_in + GRACE_SECONDS) * 1000);
    }
    if (justEnded) {
      result.textContent = resultText(c);
      result.hidden = false;
      root.classList.add(c.status === "succeeded" ? "is-succeeded" : "is-failed");
      if (c.status === "succeeded") celebrate();
    }
    fitIfChanged();
    root.dataset.status = c.status;
    root.dataset.id = c.id;
    root.dataset.progress = String(c.progress);
    shown = c;
  }

  function onState(state) {
    const version = state.config && state.config.version;
    if (version !== configVersion) {
      if (configVersion !== null) loadTexts();
      configVersion = version;
    }
    const c = state.challenge;
    if (c) draw(c);
    else if (shown) clear();
  }

  /** No challenge any more: the card leaves. */
  function clear() {
    clearTimeout(goneTimer);
    shown = null;
    startedAt = null;
    leave();
  }

  Overlay.onOptions(() => {
    defaults = DEFAULTS[Overlay.options.locale] || DEFAULTS.fr;
    refit(); // another scale, theme or font: other sizes
  });
  // A resized Browser Source, or the theme's font arriving (once a text first uses it): measure again.
  window.addEventListener("resize", refit);
  if (document.fonts) document.fonts.addEventListener("loadingdone", refit);
  loadTexts();
  Overlay.connect({
    state: onState,
    // Back after a restart, the config may have changed (its version counts again from 1): ask again.
    offline() {
      if (configVersion !== null) configVersion = -1;
    },
  });
})();
