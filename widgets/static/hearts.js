/* Hearts floating up for every like batch, drawn on one canvas.
 *
 * Built for storms (5,000 likes/s): a fixed pool of at most `max` hearts (config
 * widgets.hearts.max, ?max=) held in typed arrays, no DOM node per heart, at most a few
 * new hearts per frame, and likes beyond what the pool can show are merged away (a
 * bigger burst, not a longer queue). The loop sleeps when the sky is empty.
 *
 * Each heart is copied 1:1, at a whole-pixel position, from its own ImageBitmap, pre-drawn in
 * every colour and whole-pixel size and cropped to its visible pixels: a software canvas
 * (headless Chromium, OBS without a GPU) blends every pixel it copies, and a scaled copy, or a
 * copy out of a bigger sheet, costs more than a straight one (bench/README.md, "Hearts").
 *
 * Under prefers-reduced-motion a few hearts fade in and out where they are: no flight, no
 * sway, no growth, at most CALM_MAX at once, one new heart every CALM_GAP seconds.
 */
"use strict";

(() => {
  const canvas = document.getElementById("hearts");
  const g = canvas.getContext("2d");
  const MIN_SIZE = 8; // CSS pixels: a heart starts at 40 % of its size (at least 26 px)
  const MAX_SIZE = 56; // 26 + 22 (a big batch) + 6 (chance)
  const CALM_MAX = 8;
  const CALM_GAP = 0.2;
  const CALM_LIFE = 1.6;
  let MAX = 0;
  let PER_FRAME = 2; // new hearts per frame at most

  const calmQuery = window.matchMedia("(prefers-reduced-motion: reduce)");
  let calm = calmQuery.matches;
  // Hearts already on screen finish as they started; the next ones follow the new setting.
  calmQuery.addEventListener("change", () => {
    calm = calmQuery.matches;
  });

  // The pool: one slot per heart; the first `alive` slots are on screen.
  let x, y, vy, sway, phase, age, life, size, tint, still;
  let alive = 0;
  // Likes waiting for a heart, oldest first, in a ring (older ones are merged away when it is full).
  let waiting, head, queued;
  let calmWait = 0; // seconds before the next calm heart

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
    still = new Uint8Array(MAX);
    alive = 0;
    waiting = new Float32Array(MAX);
    head = 0;
    queued = 0;
    window.OverlayHearts = {
      stats,
      max: MAX,
      perFrame: PER_FRAME,
      calmMax: Math.min(CALM_MAX, MAX),
      get calm() {
        return calm;
      },
    };
  }
  allocate();

  function wait(likes) {
    const room = calm ? Math.min(CALM_MAX, MAX) : MAX;
    while (queued >= room) {
      head = (head + 1) % MAX;
      queued--;
      stats.merged++;
    }
    waiting[(head + queued) % MAX] = likes;
    queued++;
  }

  function next() {
    const likes = waiting[head];
    head = (head + 1) % MAX;
    queued--;
    return likes;
  }

  let width = 0;
  let height = 0;
  let ratio = 1;

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

  // The hearts, in device pixels: per colour a row of every size from MIN_SIZE to MAX_SIZE on
  // one sheet. `cells` holds, per colour and size, where the cropped heart sits on the sheet
  // (sx, sy, w, h) and where its crop starts in its n x n box (dx, dy); `bitmaps` the same
  // hearts as ImageBitmaps, once the browser has made them (the sheet is drawn from until then).
  const COLOURS = 4;
  const SIZES = MAX_SIZE - MIN_SIZE + 1;
  const cells = new Int16Array(COLOURS * SIZES * 6);
  let sheet = null;
  let bitmaps = null;
  let built = 0;

  /** Draw the hearts in the theme's colours (again after a config edit or a new pixel ratio). */
  function paint() {
    const colours = [
      Overlay.color("--accent", "#fe2c55"),
      Overlay.color("--accent-2", "#25f4ee"),
      Overlay.color("--celebrate", "#ffd400"),
      "#ff6fa8",
    ];
    const biggest = Math.ceil(MAX_SIZE * ratio);
    const scratch = document.createElement("canvas");
    scratch.width = scratch.height = biggest;
    const s = scratch.getContext("2d", { willReadFrequently: true });
    const board = document.createElement("canvas");
    let rowWidth = 0;
    for (let k = 0; k < SIZES; k++) rowWidth += Math.round((MIN_SIZE + k) * ratio) + 1;
    board.width = rowWidth;
    board.height = COLOURS * (biggest + 1);
    const out = board.getContext("2d");
    colours.forEach((colour, c) => {
      let left = 0;
      for (let k = 0; k < SIZES; k++) {
        // The 64-pixel sprite this replaces, in proportion: 8 px of glow around a 48 px heart.
        const n = Math.round((MIN_SIZE + k) * ratio);
        const pad = n / 8;
        s.setTransform(1, 0, 0, 1, 0, 0);
        s.clearRect(0, 0, biggest, biggest);
        s.translate(pad, pad);
        heartPath(s, n - 2 * pad);
        s.shadowColor = colour;
        s.shadowBlur = (n * 6) / 64;
        s.fillStyle = colour;
        s.fill();
        s.shadowBlur = 0;
        s.lineWidth = n / 32;
        s.strokeStyle = "rgba(255, 255, 255, 0.55)";
        s.stroke();
        // Crop to the pixels that show: the glow's empty corners would be blended for nothing.
        const alpha = s.getImageData(0, 0, n, n).data;
        let x0 = n;
        let y0 = n;
        let x1 = 0;
        let y1 = 0;
        for (let row = 0; row < n; row++) {
          for (let col = 0; col < n; col++) {
            if (alpha[(row * n + col) * 4 + 3]) {
              if (col < x0) x0 = col;
              if (col >= x1) x1 = col + 1;
              if (row < y0) y0 = row;
              y1 = row + 1;
            }
          }
        }
        if (x1 <= x0) x0 = y0 = x1 = y1 = 0;
        const top = c * (biggest + 1);
        out.drawImage(scratch, x0, y0, x1 - x0, y1 - y0, left + x0, top + y0, x1 - x0, y1 - y0);
        cells.set([left + x0, top + y0, x1 - x0, y1 - y0, x0, y0], (c * SIZES + k) * 6);
        left += n + 1;
      }
    });
    sheet = board;
    bitmaps = null;
    const mine = ++built;
    const jobs = [];
    for (let j = 0; j < COLOURS * SIZES * 6; j += 6) {
      jobs.push(createImageBitmap(board, cells[j], cells[j + 1], Math.max(1, cells[j + 2]), Math.max(1, cells[j + 3])));
    }
    Promise.all(jobs).then(
      (made) => {
        if (mine === built) bitmaps = made;
      },
      () => {}, // the sheet still works
    );
  }

  // Hearts fly in units of the `scale` option (1 unit = `scale` CSS pixels): at 2, twice as big, as fast and as far
  // to the side, in a source twice as big. `ratio` is device pixels per unit, at most MAX_RATIO: the sheet of hearts
  // grows with its square (~22 MB at 4, ~90 MB at 8, and as much again in bitmaps).
  const MAX_RATIO = 4;
  function resize() {
    const pixels = window.devicePixelRatio || 1;
    const fresh = Math.min(MAX_RATIO, pixels * Overlay.number("scale", 1, 0.25, 4));
    canvas.width = Math.round(canvas.clientWidth * pixels); // (clears the canvas)
    canvas.height = Math.round(canvas.clientHeight * pixels);
    width = canvas.width / fresh;
    height = canvas.height / fresh;
    if (fresh !== ratio || !sheet) {
      ratio = fresh;
      paint();
    }
  }

  function launch(likes) {
    const i = alive++;
    x[i] = width * (0.12 + Math.random() * 0.76);
    tint[i] = (Math.random() * COLOURS) | 0;
    phase[i] = Math.random() * Math.PI * 2;
    age[i] = 0;
    // A bigger batch of likes from one viewer: a bigger heart (TikTok batches are 1-15).
    size[i] = 26 + Math.min(22, Math.log2(1 + likes) * 6) + Math.random() * 6;
    still[i] = calm ? 1 : 0;
    if (calm) {
      y[i] = height * (0.25 + Math.random() * 0.6);
      life[i] = CALM_LIFE;
      vy[i] = 0;
      sway[i] = 0;
    } else {
      y[i] = height + MAX_SIZE / 2;
      life[i] = 2.2 + Math.random() * 1.4;
      vy[i] = (height * 0.85) / life[i];
      sway[i] = 10 + Math.random() * 26;
    }
    stats.launched++;
  }

  function remove(i) {
    const last = --alive;
    x[i] = x[last]; y[i] = y[last]; vy[i] = vy[last]; sway[i] = sway[last]; phase[i] = phase[last];
    age[i] = age[last]; life[i] = life[last]; size[i] = size[last]; tint[i] = tint[last]; still[i] = still[last];
  }

  const wake = Overlay.animate((dt) => {
    stats.frames++;
    let launched = 0;
    if (calm) {
      calmWait -= dt;
      if (queued && calmWait <= 0 && alive < Math.min(CALM_MAX, MAX)) {
        launch(next());
        launched = 1;
        calmWait = CALM_GAP;
      }
    } else {
      while (queued && alive < MAX && launched < PER_FRAME) {
        launch(next());
        launched++;
      }
    }
    stats.maxLaunchedPerFrame = Math.max(stats.maxLaunchedPerFrame, launched);
    g.clearRect(0, 0, canvas.width, canvas.height);
    let opacity = 1;
    for (let i = alive - 1; i >= 0; i--) {
      age[i] += dt;
      if (age[i] >= life[i]) {
        remove(i);
        continue;
      }
      const t = age[i] / life[i];
      let grown = 1;
      let alpha;
      if (still[i]) {
        alpha = t < 0.25 ? t / 0.25 : t > 0.6 ? (1 - t) / 0.4 : 1;
      } else {
        y[i] -= vy[i] * dt;
        if (t < 0.12) grown = 0.4 + (t / 0.12) * 0.6;
        alpha = t > 0.7 ? (1 - t) / 0.3 : 1;
      }
      const k = Math.min(SIZES - 1, Math.max(0, Math.round(size[i] * grown) - MIN_SIZE));
      const cell = (tint[i] * SIZES + k) * 6;
      const n = Math.round((MIN_SIZE + k) * ratio);
      const cx = x[i] + Math.sin(phase[i] + age[i] * 2.4) * sway[i];
      const left = Math.round(cx * ratio - n / 2) + cells[cell + 4];
      const top = Math.round(y[i] * ratio - n / 2) + cells[cell + 5];
      const w = cells[cell + 2];
      const h = cells[cell + 3];
      if (alpha !== opacity) g.globalAlpha = opacity = alpha;
      if (bitmaps) g.drawImage(bitmaps[cell / 6], left, top);
      else g.drawImage(sheet, cells[cell], cells[cell + 1], w, h, left, top, w, h);
    }
    g.globalAlpha = 1;
    stats.alive = alive;
    stats.maxAlive = Math.max(stats.maxAlive, alive);
    return alive > 0 || queued > 0;
  });

  Overlay.connect({
    events(events) {
      for (const event of events) {
        if (event.type === "like") wait(event.count || 1);
      }
      if (queued) wake();
    },
  });

  Overlay.onOptions(() => {
    allocate();
    sheet = null; // painted again, in the colours and at the `scale` edited
    resize();
  });

  window.addEventListener("resize", resize);
  resize();
})();
