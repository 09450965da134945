/* Goal bar: the current like goal, a smoothly filling bar, "7 532 / 10 000", a celebration.
 *
 * State messages only set targets; one requestAnimationFrame loop eases the shown values
 * toward them and writes the DOM at most once per frame, whatever the like rate.
 * The bar moves with transform: scaleX (compositor only, no layout) to stay at 60 fps.
 * With ?goal=ID the widget stays on that goal instead of following the ladder.
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
  const pinned = Overlay.options.goal || null;

  let goal = null;          // what the server says: {id, label, target, progress, reached, step, steps}
  let shown = null;         // progress currently drawn
  let lastFrame = 0;
  let drawnCount = "";
  let drawnScale = -1;
  let firstState = true;

  function pick(state) {
    if (!pinned) return state.goal;
    const found = (state.goals || []).find((g) => g.id === pinned);
    if (!found) return null;
    return {
      id: found.id,
      label: found.label,
      target: found.target,
      progress: Math.min(state.goal.progress, found.target),
      reached: found.reached,
      step: 0,
      steps: 0,
    };
  }

  function celebrate() {
    root.classList.remove("is-celebrating");
    void root.offsetWidth; // restart the CSS animation
    root.classList.add("is-celebrating");
    celebration.textContent = Overlay.text("goal_reached");
    for (let i = 0; i < 18; i++) {
      const piece = document.createElement("i");
      piece.className = "confetti";
      piece.style.setProperty("--x", `${Math.random() * 100}%`);
      piece.style.setProperty("--delay", `${Math.random() * 0.4}s`);
      piece.style.setProperty("--hue", `${Math.floor(Math.random() * 360)}`);
      celebration.appendChild(piece);
    }
    setTimeout(() => {
      root.classList.remove("is-celebrating");
      celebration.replaceChildren();
    }, 3500);
  }

  function onState(state) {
    const next = pick(state);
    if (!next) {
      root.hidden = true;
      return;
    }
    const changedGoal = !goal || goal.id !== next.id;
    if (changedGoal) {
      // A new goal enters: draw it at its current progress instead of sliding back from the old one.
      shown = next.progress;
      label.textContent = next.label;
      target.textContent = Overlay.formatNumber(next.target);
      step.textContent = next.steps > 1 && next.step <= next.steps ? `${next.step}/${next.steps}` : "";
      if (!firstState) {
        root.classList.remove("is-entering");
        void root.offsetWidth;
        root.classList.add("is-entering");
      }
    } else if (next.label !== goal.label) {
      label.textContent = next.label;
    }
    if (next.reached && goal && !changedGoal && !goal.reached && !firstState) celebrate();
    root.classList.toggle("is-reached", next.reached);
    goal = next;
    firstState = false;
    root.hidden = false;
    root.dataset.goal = goal.id;
    root.dataset.progress = String(goal.progress);
    root.dataset.target = String(goal.target);
  }

  function frame(time) {
    const dt = lastFrame ? Math.min(0.1, (time - lastFrame) / 1000) : 0;
    lastFrame = time;
    if (goal) {
      shown = Overlay.approach(shown, goal.progress, dt);
      const scale = Math.max(0, Math.min(1, shown / goal.target));
      if (Math.abs(scale - drawnScale) > 0.0005) {
        fill.style.transform = `scaleX(${scale.toFixed(4)})`;
        drawnScale = scale;
      }
      const text = Overlay.formatNumber(shown);
      if (text !== drawnCount) {
        count.textContent = text;
        drawnCount = text;
      }
    }
    requestAnimationFrame(frame);
  }

  Overlay.connect({ state: onState });
  requestAnimationFrame(frame);
})();
