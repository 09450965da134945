/* Hearts floating up for every like batch, drawn on one canvas.
 *
 * Built for storms (5,000 likes/s): a fixed pool of at most `max` hearts (config
 * widgets.hearts.max, ?max=) held in typed arrays, no DOM node per heart, at most a few
 * new hearts per frame, and likes beyond what the pool can show are merged away (a
 * bigger burst, not a longer queue). Each heart is a pre-drawn sprite, so a frame is one
 * clear plus one drawImage per heart; the loop sleeps when the sky is empty.
 */
"use strict";

(() => {
  const canvas = document.getElementById("hearts");
  const g = canvas.getContext("2d");
  const SPRITE = 64;
  let MAX = 0;
  let PER_FRAME = 2; // new hearts per frame at most

  // The pool: one slot per heart; the first `alive` slots are in flight.
  let x, y, vy, sway, phase, age, life, size, tint;
  let alive = 0;
  let waiting = []; // sizes of hearts to launch (at most MAX: older ones are merged away)

  // What a test or the benchmark can read without touching the DOM.
  const stats = { alive: 0, launched: 0, merged: 0, frames: 0, maxAlive: 0, maxLaunchedPerFrame: 0 };

  /** Size the pool from the `max` option (again after a config edit that changes it). */
  function allocate() {
    const max = Overlay.number("max", 150, 1, 1000);
    if (max === MAX) return;
    MAX = max;
    PER_FRAME = Math.max(2, Math.ceil(MAX / 30));
    [x, y, vy, sway, phase, age, life, size] = Array.from({ length: 8 }, () => new Float32Array(MAX));
    tint = new Uint8Array(MAX);
    alive = 0;
    if (waiting.length > MAX) waiting = waiting.slice(-MAX);
    window.OverlayHearts = { stats, max: MAX, perFrame: PER_FRAME };
  }
  allocate();

  let width = 0;
  let height = 0;
  function resize() {
    const ratio = window.devicePixelRatio || 1;
    width = canvas.clientWidth;
    height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
  }

  function heartPath(ctx, s) {
    // A heart in an s x s box, from two cubic curves.
    ctx.beginPath();
    ctx.moveTo(s / 2, s * 0.86);
    ctx.bezierCurveTo(s * 0.05, s * 0.55, s * 0.02, s * 0.18, s * 0.27, s * 0.14);
    ctx.bezierCurveTo(s * 0.4, s * 0.12, s * 0.48, s * 0.22, s / 2, s * 0.3);
    ctx.bezierCurveTo(s * 0.52, s * 0.22, s * 0.6, s * 0.12, s * 0.73, s * 0.14);
    ctx.bezierCurveTo(s * 0.98, s * 0.18, s * 0.95, s * 0.55, s / 2, s * 0.86);
    ctx.closePath();
  }

  function sprite(colour) {
    const c = document.createElement("canvas");
    c.width = c.height = SPRITE;
    const ctx = c.getContext("2d");
    const pad = 8;
    ctx.translate(pad, pad);
    heartPath(ctx, SPRITE - 2 * pad);
    ctx.shadowColor = colour;
    ctx.shadowBlur = 6;
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.shadowBlur = 0;
    ctx.lineWidth = 2;
    ctx.strokeStyle = "rgba(255, 255, 255, 0.55)";
    ctx.stroke();
    return c;
  }

  // Sprites in the theme's colours (drawn again when a config edit changes the theme).
  const paint = () =>
    [
      Overlay.color("--accent", "#fe2c55"),
      Overlay.color("--accent-2", "#25f4ee"),
      Overlay.color("--celebrate", "#ffd400"),
      "#ff6fa8",
    ].map(sprite);
  let sprites = paint();

  function launch(likes) {
    const i = alive++;
    x[i] = width * (0.12 + Math.random() * 0.76);
    y[i] = height + SPRITE / 2;
    life[i] = 2.2 + Math.random() * 1.4;
    vy[i] = (height * 0.85) / life[i];
    sway[i] = 10 + Math.random() * 26;
    phase[i] = Math.random() * Math.PI * 2;
    age[i] = 0;
    // A bigger batch of likes from one viewer: a bigger heart (TikTok batches are 1-15).
    size[i] = 26 + Math.min(22, Math.log2(1 + likes) * 6) + Math.random() * 6;
    tint[i] = (Math.random() * sprites.length) | 0;
    stats.launched++;
  }

  function remove(i) {
    const last = --alive;
    x[i] = x[last]; y[i] = y[last]; vy[i] = vy[last]; sway[i] = sway[last]; phase[i] = phase[last];
    age[i] = age[last]; life[i] = life[last]; size[i] = size[last]; tint[i] = tint[last];
  }

  const wake = Overlay.animate((dt) => {
    stats.frames++;
    let launched = 0;
    while (waiting.length && alive < MAX && launched < PER_FRAME) {
      launch(waiting.shift());
      launched++;
    }
    stats.maxLaunchedPerFrame = Math.max(stats.maxLaunchedPerFrame, launched);
    g.clearRect(0, 0, width, height);
    for (let i = alive - 1; i >= 0; i--) {
      age[i] += dt;
      if (age[i] >= life[i]) {
        remove(i);
        continue;
      }
      const t = age[i] / life[i];
      y[i] -= vy[i] * dt;
      const s = size[i] * (t < 0.12 ? 0.4 + (t / 0.12) * 0.6 : 1);
      g.globalAlpha = t > 0.7 ? (1 - t) / 0.3 : 1;
      g.drawImage(sprites[tint[i]], x[i] + Math.sin(phase[i] + age[i] * 2.4) * sway[i] - s / 2, y[i] - s / 2, s, s);
    }
    g.globalAlpha = 1;
    stats.alive = alive;
    stats.maxAlive = Math.max(stats.maxAlive, alive);
    return alive > 0 || waiting.length > 0;
  });

  Overlay.connect({
    events(events) {
      for (const event of events) {
        if (event.type === "like") waiting.push(event.count || 1);
      }
      // Merge what the pool could never show: keep the newest, count the rest.
      if (waiting.length > MAX) {
        stats.merged += waiting.length - MAX;
        waiting = waiting.slice(-MAX);
      }
      if (waiting.length) wake();
    },
  });

  Overlay.onOptions(() => {
    allocate();
    sprites = paint();
  });

  window.addEventListener("resize", resize);
  resize();
})();
