/* Like counter: the live's likes (or this session's, ?basis=session) as one big animated number.
 *
 * State messages only set the target; the frame loop eases the shown number toward it and
 * writes the DOM once per frame at most, then sleeps until the next change. A number too long for the
 * box (123 456 789 in 600 px) is drawn smaller, never cut.
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
  let measured = -1; // characters in the number when it was last fitted; -1 measures it again

  function setup() {
    basis = Overlay.options.basis === "session" ? "session" : "total";
    caption();
  }

  /** ?label=, else "likes" (or "like" for 1; a heart with safe_wording) under the number it will land on. */
  function caption() {
    const own = typeof Overlay.options.label === "string" && Overlay.options.label;
    const words = own || Overlay.likesWord(target === null ? 0 : target);
    if (label.textContent !== words) label.textContent = words;
  }
  setup();

  const counting = Overlay.countingNumber(number);

  /** The number shrinks (--fit) to the box's width, less its padding. Its digits are tabular, so the width
   *  changes only with the number of characters or the look: it is measured then, not on each counting step.
   *  offsetWidth is the layout's width, unaffected by the bump's transform. */
  function fitNumber() {
    measured = number.textContent.length;
    const style = getComputedStyle(root);
    const room = document.documentElement.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    number.style.removeProperty("--fit");
    const natural = number.offsetWidth;
    // (1 px less: offsetWidth is rounded, and the glyphs do not quite scale linearly with the font size)
    if (natural > room) number.style.setProperty("--fit", ((room - 1) / natural).toFixed(4));
  }

  const wake = Overlay.animate((dt, now) => {
    if (root.hidden) root.hidden = false;
    const before = shown;
    shown = Overlay.approach(shown, target, dt);
    if (counting.show(shown, now, shown === target)) root.dataset.value = String(target);
    if (number.textContent.length !== measured) fitNumber();
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
    measured = -1; // and maybe another scale or font
    if (!last) return;
    if (basis !== before) target = shown = last.likes[basis]; // another count: shown at once, not counted to
    wake();
  });

  // A resized Browser Source, or the theme's font arriving (once the number first uses it): measure again.
  const refit = () => {
    measured = -1;
    if (target !== null) wake();
  };
  window.addEventListener("resize", refit);
  if (document.fonts) document.fonts.addEventListener("loadingdone", refit);

  Overlay.connect({
    state(state) {
      last = state;
      const value = state.likes[basis];
      // The first number appears as is, it does not count up from 0; nor does a new live's count down to its own.
      if (target === null || value < target) shown = value;
      target = value;
      caption();
      wake();
    },
  });
})();
