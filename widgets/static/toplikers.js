/* Top likers: the live's best likers (state.top_likers, refreshed by the server once a second).
 *
 * Rows are keyed by nickname and reused, so a viewer who climbs slides to the new rank (CSS
 * transition on a --rank variable). Nicknames go through textContent; avatars through an
 * <img> whose src is set here (https only), with the initials underneath when there is none.
 * State messages only keep the newest list; the frame loop applies it in one write pass.
 */
"use strict";

(() => {
  const root = document.getElementById("top");
  const list = document.getElementById("top-list");
  let COUNT = 5;
  let fits = 10;       // the rows that fit whole in the source's height (a short one has room for fewer than COUNT)
  let fitStale = true; // measured again at the next list: new size, scale or look
  const rows = new Map(); // nickname -> {li, name, count, img, initials, avatar, rank, shown}

  function setup() {
    COUNT = Overlay.number("count", 5, 1, 10);
    root.style.setProperty("--count", String(COUNT)); // the rows are sized so that COUNT of them fit
    const title = typeof Overlay.options.title === "string" && Overlay.options.title
      ? Overlay.options.title
      : Overlay.text("toplikers_title");
    document.getElementById("top-title").textContent = title;
    fitStale = true;
  }
  setup();

  /** How many rows fit whole in the source under the title: a row cut by the source's edge reads as a glitch on
   *  the live. A layout read: run only when the size or the look changed, never per frame. */
  function wholeRows() {
    const slot = parseFloat(getComputedStyle(root).getPropertyValue("--slot")); // a row and the gap under it (1/8)
    const header = list.getBoundingClientRect().top - root.getBoundingClientRect().top; // (wherever ?valign= puts it)
    const room = window.innerHeight - header;
    // The last row needs no gap under it; one row at least, even in a source too small for it.
    return Math.max(1, Math.floor((room + slot / 8) / slot));
  }

  let pending = null;
  let last = null; // the last list, to redraw after a config edit

  function makeRow(user) {
    const li = document.createElement("li");
    li.className = "top-row is-new";
    const rank = document.createElement("span");
    rank.className = "top-rank";
    const avatarBox = document.createElement("span");
    avatarBox.className = "top-avatar";
    const initials = document.createElement("span");
    initials.className = "top-initials";
    initials.textContent = Overlay.initials(user);
    const img = document.createElement("img");
    img.alt = "";
    img.decoding = "async";
    img.referrerPolicy = "no-referrer";
    img.hidden = true;
    img.addEventListener("error", () => { img.hidden = true; });
    img.addEventListener("load", () => { img.hidden = false; });
    avatarBox.style.setProperty("--hue", String(Overlay.hue(user)));
    avatarBox.append(initials, img);
    const name = document.createElement("span");
    name.className = "top-name";
    name.dir = "auto"; // as Overlay.fill does: a long right-to-left name shows its start, and loses its end to the …
    // (The TikTok source already puts the @handle in for a missing nickname; "?" as in the activity toasts.)
    name.textContent = user || "?";
    const count = document.createElement("span");
    count.className = "top-count";
    li.append(rank, avatarBox, name, count);
    return { li, rank, img, count, avatar: "", position: -1, shown: "" };
  }

  let drawnRows = -1;

  function apply(top) {
    if (fitStale && top.length) {
      root.hidden = false; // (a hidden widget has no size to measure; it shows rows below anyway)
      fits = wholeRows();
      fitStale = false;
    }
    const seen = new Set();
    top.slice(0, Math.min(COUNT, fits)).forEach((entry, index) => {
      const user = String(entry.user ?? "");
      // Two viewers may share a nickname: the second gets its own row.
      let key = user;
      for (let n = 2; seen.has(key); n++) key = `${user}\u0000${n}`;
      seen.add(key);
      let row = rows.get(key);
      if (!row) {
        row = makeRow(user);
        rows.set(key, row);
        list.appendChild(row.li);
      }
      if (row.position !== index) {
        row.position = index;
        row.li.style.setProperty("--rank", String(index));
        row.li.dataset.rank = String(index + 1);
        row.rank.textContent = String(index + 1);
      }
      const avatar = Overlay.safeImage(entry.avatar);
      if (avatar !== row.avatar) {
        row.avatar = avatar;
        if (avatar) row.img.src = avatar;
        else { row.img.hidden = true; row.img.removeAttribute("src"); }
      }
      const count = Overlay.formatNumber(entry.count);
      if (count !== row.shown) {
        row.count.textContent = count;
        row.shown = count;
      }
    });
    for (const [key, row] of rows) {
      if (!seen.has(key)) {
        row.li.remove();
        rows.delete(key);
      }
    }
    if (rows.size !== drawnRows) {
      drawnRows = rows.size;
      list.style.setProperty("--rows", String(rows.size));
      root.hidden = rows.size === 0;
    }
  }

  const wake = Overlay.animate(() => {
    if (pending) {
      apply(pending);
      pending = null;
    }
    return false; // one pass per change
  });

  Overlay.onOptions(() => {
    setup();
    for (const row of rows.values()) row.shown = ""; // counts in the new locale
    pending = pending || last;
    if (pending) wake();
  });

  // A resized Browser Source: count the rows that fit again.
  window.addEventListener("resize", () => {
    fitStale = true;
    pending = pending || last;
    if (pending) wake();
  });

  Overlay.connect({
    state(state) {
      pending = last = state.top_likers || [];
      wake();
    },
  });
})();
