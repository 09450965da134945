/* Goal bar: the current like goal, a smoothly filling bar, "7 532 / 10 000", a celebration.
 *
 * State messages are only kept (the newest wins); the frame loop applies the newest, eases the
 * shown values toward it and writes the DOM once per frame at most, whatever the like rate,
 * then sleeps until the next message.
 * The bar moves with transform: scaleX (compositor only, no layout) to stay at 60 fps.
 * With ?goal=ID the widget stays on that goal instead of following the ladder (an unknown ID is ignored).
 * ?variant=bar|thermometer|ring|stacked (or widgets.goal.variant) picks the drawing; stacked
 * shows every step of the ladder at once, and the running goal once past them.
 * Texts that could outgrow their source (the thermometer's and ring's numbers, the stacked rows) are
 * measured when they change, never per frame, and shrink to fit.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const root = $("goal");
  const label = $("goal-label");
  const step = $("goal-step");
  const fill = $("goal-fill");
  const count = $("goal-count");
  const target = $("goal-target");
  const celebration = $("goal-celebration");
  const ring = $("goal-ring");
  const ringFill = $("goal-ring-fill");
  const numbers = root.querySelector(".goal-numbers");
  const separator = root.querySelector(".goal-sep");
  const stack = $("goal-stack");
  const pinned = Overlay.options.goal || null;
  const VARIANTS = ["bar", "thermometer", "ring", "stacked"];
  const pickVariant = () => (VARIANTS.includes(Overlay.options.variant) ? Overlay.options.variant : "bar");
  let variant = pickVariant();
  root.dataset.variant = variant;

  let steps = [];           // stacked: [{id, target, li, fill, numbers, drawn, scale}]
  let stepsKey = "";
  let stepsCurrent = null;
  let fitRows = true;       // stacked: the rows are measured again (new rows, size or look)

  let goal = null;          // what the server says: {id, label, target, progress, reached, step, steps}
  let shown = null;         // progress currently drawn
  let countNow = false;     // write the count in the next frame, whatever its ~15 writes a second
  let drawnScale = -1;
  let firstState = true;
  let lastState = null;
  let fitNumbers = true;    // ring, thermometer: the numbers are measured again (new target, size or look)
  let countLength = 0;      // characters in the count as drawn

  function pick(state) {
    if (!pinned) return state.goal;
    const found = (state.goals || []).find((g) => g.id === pinned);
    // An id that is not (or no longer) one of goals.steps, a typo or a goal renamed in config.yaml, is ignored as
    // any option the widget cannot use: the ladder's goal, not an empty source on the live.
    if (!found) return state.goal;
    return {
      id: found.id,
      label: found.label,
      label_by_locale: found.label_by_locale,
      target: found.target,
      progress: Math.min(state.goal.progress, found.target),
      reached: found.reached,
      step: 0,
      steps: 0,
    };
  }

  const range = document.createRange();

  /** The width an element's text is drawn at, whatever its box (one cut with "…", one centred past its edges). */
  function textWidth(element) {
    range.selectNodeContents(element);
    return range.getBoundingClientRect().width;
  }

  let celebrating = 0;       // the timer that ends the running celebration
  let celebratingId = null;  // the goal it celebrates, while it runs

  /** "Objectif atteint !" and confetti for `goals.celebrate_seconds` (0: none), the time the engine shows a
   *  reached goal before the next: a goal pinned with ?goal= or the last goal celebrates as long. */
  function celebrate(seconds, id) {
    if (!(seconds > 0)) {
      endCelebration(); // (one still running from before an edit set 0)
      return;
    }
    clearTimeout(celebrating); // a celebration that starts again gets its full time
    root.classList.remove("is-celebrating");
    void root.offsetWidth; // restart the CSS animation
    root.classList.add("is-celebrating");
    celebratingId = id;
    placeCelebration(id);
    celebration.textContent = Overlay.text("goal_reached");
    if (variant === "stacked") fitCelebration();
    for (let i = 0; i < 18; i++) {
      const piece = document.createElement("i");
      piece.className = "confetti";
      piece.style.setProperty("--x", `${Math.random() * 100}%`);
      piece.style.setProperty("--delay", `${Math.random() * 0.4}s`);
      piece.style.setProperty("--hue", `${Math.floor(Math.random() * 360)}`);
      celebration.appendChild(piece);
    }
    celebrating = setTimeout(endCelebration, seconds * 1000);
  }

  function endCelebration() {
    clearTimeout(celebrating);
    celebratingId = null;
    root.classList.remove("is-celebrating");
    for (const step of steps) step.li.classList.remove("is-celebrating");
    celebration.replaceChildren();
  }

  /** Stacked: the words go in the reached step's row, in place of its label and over its bar (its numbers and ✓
   *  stay), not across the other rows; the other variants draw them over the whole widget. */
  function placeCelebration(id) {
    const row = variant === "stacked" ? steps.find((step) => step.id === id) : null;
    const host = row ? row.li : root;
    if (celebration.parentNode !== host) host.appendChild(celebration);
    for (const step of steps) step.li.classList.toggle("is-celebrating", step === row);
  }

  /** Stacked: the words shrink to their row's room if they must (a narrow source, a long text): measured once
   *  per celebration, before the confetti. */
  function fitCelebration() {
    celebration.style.removeProperty("--words-fit");
    const over = textWidth(celebration) / celebration.clientWidth;
    if (over > 1) celebration.style.setProperty("--words-fit", (0.98 / over).toFixed(4));
  }

  /** Ring: the numbers shrink (a transform, no layout) until their box fits inside the ring's hole.
   *  Run once per new target, size or look, never per frame. The count climbs to the target with
   *  tabular digits, so it is measured as wide as the target: a 7th digit never spills over the ring. */
  function fitInRing() {
    // The hole's diameter: 2 × (r=52 minus half the 12 stroke) in the ring's 120 viewBox.
    const hole = ring.getBoundingClientRect().width * (92 / 120);
    const width = Math.max(numbers.offsetWidth, 2 * target.offsetWidth + separator.offsetWidth);
    const fit = Math.min(1, (0.94 * hole) / Math.hypot(width, numbers.offsetHeight));
    numbers.style.setProperty("--fit", fit.toFixed(3));
  }

  /** Thermometer: the numbers keep to one line (nowrap) and their font shrinks until they fit the column beside
   *  the tube ("1 234 567 / 2 000 000" in 360 px). Measured as "target / target" (tabular digits), so the climbing
   *  count never needs it again; a font size, so it costs a layout: run only when the numbers' length changes. */
  function fitInColumn() {
    const width = Math.max(count.offsetWidth, target.offsetWidth) + separator.offsetWidth + target.offsetWidth;
    const room = numbers.clientWidth;
    // (1 px less: offsetWidth is rounded, and the glyphs do not quite scale linearly with the font size)
    if (width > room) numbers.style.setProperty("--fit", ((room - 1) / width).toFixed(4));
  }

  function fitTheNumbers() {
    numbers.style.removeProperty("--fit"); // measured at full size (another variant's --fit would mislead)
    if (variant === "ring") fitInRing();
    else if (variant === "thermometer") fitInColumn();
  }

  /** Stacked: every row on one line (label, bar, numbers), the columns aligned from row to row: the label's as
   *  wide as the widest label (45 % at most: a longer one ends with "…"), the numbers' as wide as the widest
   *  "target / target ✓". Then the rows shrink together (--fit, a font size) until the ladder fits the source's
   *  height, as many steps as it has. Run only when the rows, the size or the look change, never per frame. */
  function fitStack() {
    stack.style.removeProperty("--fit");
    stack.style.removeProperty("--label-width");
    stack.style.removeProperty("--numbers-width");
    if (!steps.length) return;
    const em = parseFloat(getComputedStyle(stack).fontSize);
    let labels = 0;
    let numbers = 0;
    for (const step of steps) {
      labels = Math.max(labels, textWidth(step.label));
      const most = Overlay.formatNumber(step.target);
      step.numbers.textContent = `${most} / ${most} ✓`; // (the ✓ of a reached step is drawn after the text)
      numbers = Math.max(numbers, textWidth(step.numbers));
      step.numbers.textContent = step.drawn;
    }
    // (a little more: text does not scale exactly with its font size)
    stack.style.setProperty("--label-width", `${(labels / em + 0.1).toFixed(3)}em`);
    stack.style.setProperty("--numbers-width", `${(numbers / em + 0.1).toFixed(3)}em`);
    const style = getComputedStyle(root);
    const room = document.documentElement.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    // The numbers take half the row at most, whatever their digits: the bar and the label keep some room.
    let fit = Math.min(1, room / stack.offsetHeight, (0.5 * stack.clientWidth) / (numbers + 0.1 * em));
    for (let tries = 0; tries < 8; tries++) {
      stack.style.setProperty("--fit", fit.toFixed(4));
      if (stack.offsetHeight <= room) break;
      fit *= 0.97; // (line heights are rounded to whole pixels)
    }
  }

  /** Stacked: one row per step of the ladder; past the last step (`then: every`), the running goal gets a
   *  row of its own after them. The rows are rebuilt only when they change (a config edit, a new goal). */
  function syncSteps(configured, current) {
    const currentId = current.id;
    const goals = configured.some((g) => g.id === currentId) ? configured : [...configured, current];
    const key = JSON.stringify(goals.map((g) => [g.id, Overlay.goalLabel(g), g.target]));
    if (key !== stepsKey) {
      stepsKey = key;
      steps = goals.map((g) => {
        const li = document.createElement("li");
        const name = document.createElement("span");
        name.className = "stack-label";
        name.textContent = Overlay.goalLabel(g);
        const numbers = document.createElement("span");
        numbers.className = "stack-numbers";
        const track = document.createElement("span");
        track.className = "stack-track";
        const fill = document.createElement("span");
        fill.className = "stack-fill";
        track.appendChild(fill);
        li.append(name, track, numbers);
        li.dataset.goal = g.id;
        return { id: g.id, target: g.target, li, label: name, fill, numbers, drawn: "", scale: -1 };
      });
      stack.replaceChildren(...steps.map((step) => step.li));
      fitRows = true;
      // A celebration running in a row that was just replaced (a config edit) goes on in the new one.
      if (celebratingId !== null) placeCelebration(celebratingId);
    }
    if (currentId !== stepsCurrent || !steps.some((step) => step.li.classList.contains("is-current"))) {
      stepsCurrent = currentId;
      for (const step of steps) step.li.classList.toggle("is-current", step.id === currentId);
    }
  }

  function drawSteps(progress) {
    for (const step of steps) {
      const scale = Math.max(0, Math.min(1, progress / step.target));
      // (Full is always drawn: a step reached by a last tiny change gets its fill and its ✓.)
      if (Math.abs(scale - step.scale) > 0.0005 || (scale === 1 && step.scale !== 1)) {
        step.fill.style.transform = `scaleX(${scale.toFixed(4)})`;
        step.scale = scale;
        step.li.classList.toggle("is-done", scale >= 1);
      }
      const text = `${Overlay.formatNumber(Math.min(progress, step.target))} / ${Overlay.formatNumber(step.target)}`;
      if (text !== step.drawn) {
        step.numbers.textContent = text;
        step.drawn = text;
      }
    }
  }

  function stepText(g) {
    return g.steps > 1 && g.step <= g.steps ? `${g.step}/${g.steps}` : "";
  }

  function onState(state) {
    lastState = state;
    if (variant === "stacked") syncSteps(state.goals || [], state.goal);
    const next = pick(state);
    if (!next) {
      root.hidden = true;
      return;
    }
    const changedGoal = !goal || goal.id !== next.id;
    if (changedGoal) {
      // A new goal enters: draw it at its current progress instead of sliding back from the old one.
      shown = next.progress;
      endCelebration(); // it was the old goal's (celebrate_seconds may be shorter than its animation)
      label.textContent = Overlay.goalLabel(next);
      target.textContent = Overlay.formatNumber(next.target);
      step.textContent = stepText(next);
      fitNumbers = true;
      if (!firstState) {
        root.classList.remove("is-entering");
        void root.offsetWidth;
        root.classList.add("is-entering");
      }
    } else {
      // The same goal, edited in config.yaml: new words or numbers, no entrance. Compared with the words on
      // screen, not the old goal's: after a locale edit, the replayed state is the old goal, in the new language.
      const words = Overlay.goalLabel(next);
      if (words !== label.textContent) label.textContent = words;
      if (next.target !== goal.target) {
        target.textContent = Overlay.formatNumber(next.target);
        fitNumbers = true;
      }
      if (next.step !== goal.step || next.steps !== goal.steps) step.textContent = stepText(next);
    }
    // Reached by likes, not by an edit that lowered the target: only then a celebration.
    if (next.reached && goal && !changedGoal && !goal.reached && next.target === goal.target && !firstState) {
      celebrate(state.goal.celebrate_seconds, next.id);
      // "Objectif atteint !" never over a count still gliding up to the goal ("906 / 1 000"): it starts from there.
      if (shown < next.target) {
        shown = next.target;
        countNow = true;
      }
    }
    root.classList.toggle("is-reached", next.reached);
    goal = next;
    firstState = false;
    root.hidden = false;
    root.dataset.goal = goal.id;
    root.dataset.progress = String(goal.progress);
    root.dataset.target = String(goal.target);
  }

  let latest = null; // the newest state message, applied by the next frame
  const counting = Overlay.countingNumber(count);

  const wake = Overlay.animate((dt, now) => {
    if (latest) {
      onState(latest);
      latest = null;
    }
    if (goal) {
      shown = Overlay.approach(shown, goal.progress, dt);
      const scale = Math.max(0, Math.min(1, shown / goal.target));
      if (Math.abs(scale - drawnScale) > 0.0005 || (scale === 1 && drawnScale !== 1)) {
        if (variant === "ring") ringFill.style.strokeDashoffset = (1 - scale).toFixed(4);
        else if (variant === "thermometer") fill.style.transform = `scaleY(${scale.toFixed(4)})`;
        else fill.style.transform = `scaleX(${scale.toFixed(4)})`;
        drawnScale = scale;
      }
      if (variant === "stacked") {
        if (fitRows && !root.hidden) {
          fitStack();
          fitRows = false;
        }
        drawSteps(shown);
      }
      // The bar glides at 60 fps on the compositor; the number changes at most ~15 times a second.
      // A count with one more digit than its target (a goal passed while celebrating) is measured too.
      if (counting.show(shown, now, shown === goal.progress || countNow) && count.textContent.length !== countLength) {
        countLength = count.textContent.length;
        fitNumbers = true;
      }
      countNow = false;
      if (fitNumbers) {
        fitTheNumbers();
        fitNumbers = false;
      }
    }
    return goal !== null && shown !== goal.progress;
  });

  // A config edit (variant, locale, theme): redraw everything from the last state, in place.
  Overlay.onOptions(() => {
    variant = pickVariant();
    root.dataset.variant = variant;
    drawnScale = -1;
    counting.forget();
    fitNumbers = true;
    stepsKey = ""; // (rebuilt: measured again)
    if (celebratingId !== null) placeCelebration(celebratingId); // (in its row, or over the widget, by variant)
    if (goal) target.textContent = Overlay.formatNumber(goal.target);
    if (!latest) latest = lastState;
    wake();
  });

  // A resized Browser Source, or the theme's font arriving: measure the numbers and the stacked rows again.
  const refit = () => {
    fitNumbers = true;
    fitRows = true;
    wake();
  };
  window.addEventListener("resize", refit);
  if (document.fonts) document.fonts.ready.then(refit);

  Overlay.connect({
    state(state) {
      latest = state;
      wake();
    },
  });
})();
