/* Rhythm meter: likes per minute (the server's sliding 60 s window), whether it is rising or
 * falling, and a gauge with a marker at the target rhythm (config widgets.rhythm, ?target=&max=).
 *
 * The trend compares the rate now with the rate TREND_SECONDS ago, sampled once a second by the
 * frame loop; the loop writes the DOM at most once per frame and sleeps when nothing moves.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const root = $("rhythm");
  const number = $("rhythm-number");
  const fill = $("rhythm-fill");
  const marker = $("rhythm-marker");
  const markerLabel = $("rhythm-marker-label");
  const trendText = $("rhythm-trend");
  const TREND_SECONDS = 10;
  const TREND_MARGIN = 0.08; // changes smaller than 8 % are "steady"

  let goal = 1500;
  let fixedMax = 0;
  let peak = 0;

  function setup() {
    goal = Overlay.number("target", 1500, 0);
    fixedMax = Overlay.number("max", 0, 0);
    $("rhythm-title").textContent = Overlay.text("rhythm_title");
    $("rhythm-unit").textContent = Overlay.text("rhythm_unit");
  }
  setup();

  let rate = null; // likes per minute, as the server says
  let shown = null;
  let samples = []; // [time ms, rate], one a second
  let drawn = { scale: -1, max: -1, trend: "", above: null };
  const counting = Overlay.countingNumber(number);

  function scaleMax() {
    if (fixedMax > 0) return fixedMax;
    if (goal > 0) return Math.max(goal * 2, peak);
    // No target: a round number above the best rhythm seen, so the gauge rarely jumps.
    const top = Math.max(100, peak * 1.25);
    const step = Math.pow(10, Math.floor(Math.log10(top)));
    return Math.ceil(top / step) * step;
  }

  function trend(now) {
    if (!samples.length || now - samples[samples.length - 1][0] >= 1000) samples.push([now, rate]);
    while (samples.length > 1 && now - samples[1][0] >= TREND_SECONDS * 1000) samples.shift();
    const before = samples[0][1];
    if (rate > before * (1 + TREND_MARGIN) && rate - before >= 1) return "up";
    if (rate < before * (1 - TREND_MARGIN) && before - rate >= 1) return "down";
    return "flat";
  }

  const wake = Overlay.animate((dt, now) => {
    if (root.hidden) root.hidden = false;
    shown = Overlay.approach(shown, rate, dt);
    const max = scaleMax();
    // The gauge glides every frame; the number is rewritten at most ~15 times a second.
    if (counting.show(shown, now, shown === rate)) root.dataset.rate = String(rate);
    const scale = Math.min(1, shown / max);
    if (Math.abs(scale - drawn.scale) > 0.0005) {
      fill.style.transform = `scaleX(${scale.toFixed(4)})`;
      drawn.scale = scale;
    }
    if (max !== drawn.max) {
      drawn.max = max;
      marker.hidden = !(goal > 0 && goal <= max);
      marker.style.left = `${((goal / max) * 100).toFixed(2)}%`;
      // Its label slides from right of the marker (at the start) to left of it (at the end): never off the gauge.
      marker.style.setProperty("--at", Math.min(1, goal / max).toFixed(3));
      markerLabel.textContent = Overlay.text("rhythm_target", { target: goal });
    }
    const direction = trend(now);
    if (direction !== drawn.trend) {
      root.dataset.trend = direction;
      trendText.textContent = Overlay.text(`trend_${direction}`);
      drawn.trend = direction;
    }
    const above = goal > 0 && rate >= goal;
    if (above !== drawn.above) {
      root.classList.toggle("is-above", above);
      drawn.above = above;
    }
    // Keep ticking while the window still holds another rate, so "rising" turns "steady" by itself.
    return shown !== rate || samples.some(([, value]) => value !== rate);
  });

  Overlay.onOptions(() => {
    setup();
    drawn = { scale: -1, max: -1, trend: "", above: null }; // redraw in the new settings and words
    counting.forget();
    if (rate !== null) wake();
  });

  Overlay.connect({
    state(state) {
      const value = state.likes.per_minute;
      if (rate === null) shown = value;
      rate = value;
      peak = Math.max(peak, value);
      wake();
    },
  });
})();
