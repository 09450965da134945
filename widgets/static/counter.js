/* Like counter: the live's likes (or this session's, ?basis=session) as one big animated number.
 *
 * State messages only set the target; the frame loop eases the shown number toward it and
 * writes the DOM once per frame at most, then sleeps until the next change.
 */
"use strict";

(() => {
  const root = document.getElementById("counter");
  const number = document.getElementById("counter-number");
  const label = document.getElementById("counter-label");
  let basis = "total";
  let target = null;
  let shown = null;
  let bumpedAt = -Infinity;
  let last = null; // the last state, to redraw after a config edit

  function setup() {
    basis = Overlay.options.basis === "session" ? "session" : "total";
    label.textContent = typeof Overlay.options.label === "string" && Overlay.options.label
      ? Overlay.options.label
      : Overlay.text("counter_label");
  }
  setup();

  const counting = Overlay.countingNumber(number);

  const wake = Overlay.animate((dt, now) => {
    if (root.hidden) root.hidden = false;
    const before = shown;
    shown = Overlay.approach(shown, target, dt);
    if (counting.show(shown, now, shown === target)) root.dataset.value = String(target);
    // A little bump when likes arrive, at most every 350 ms (the Web Animations API needs no reflow).
    if (shown > before && now - bumpedAt > 350 && number.animate) {
      bumpedAt = now;
      number.animate([{ transform: "scale(1.06)" }, { transform: "scale(1)" }], { duration: 300, easing: "ease-out" });
    }
    return shown !== target;
  });

  Overlay.onOptions(() => {
    const before = basis;
    setup();
    counting.forget(); // numbers in the new locale
    if (!last) return;
    if (basis !== before) target = shown = last.likes[basis]; // another count: shown at once, not counted to
    wake();
  });

  Overlay.connect({
    state(state) {
      last = state;
      const value = state.likes[basis];
      if (target === null) shown = value; // the first number appears as is, it does not count up from 0
      target = value;
      wake();
    },
  });
})();
