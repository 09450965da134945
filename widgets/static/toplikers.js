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
  const rows = new Map(); // nickname -> {li, name, count, img, initials, avatar, rank, shown}

  function setup() {
    COUNT = Overlay.number("count", 5, 1, 10);
    root.style.setProperty("--count", String(COUNT)); // the rows are sized so that COUNT of them fit
    const title = typeof Overlay.options.title === "string" && Overlay.options.title
      ? Overlay.options.title
      : Overlay.text("toplikers_title");
    document.getElementById("top-title").textContent = title;
  }
  setup();

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
    const seen = new Set();
    top.slice(0, COUNT).forEach((entry, index) => {
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

  Overlay.connect({
    state(state) {
      pending = last = state.top_likers || [];
      wake();
    },
  });
})();
