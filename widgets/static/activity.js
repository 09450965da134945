/* Recent activity: follows, shares and gifts (the events batches) as short toasts.
 *
 * At most `max` toasts at once (config widgets.activity, ?max=&seconds=&kinds=follow,gift):
 * a burst keeps only the newest. Arrivals are queued and the frame loop adds, ages and removes
 * toasts in one pass per frame (reads, then writes), sleeping when there is nothing on screen. A
 * leaving toast fades out of the flow, and the others glide to their new places (transforms only:
 * one more layout read on the frames where the list changes, none in between). The viewer's
 * nickname and the gift's name are untrusted: they go in as text nodes (Overlay.fill).
 */
"use strict";

(() => {
  const list = document.getElementById("toasts");
  let KINDS, MAX, SECONDS;
  function setup() {
    KINDS = new Set(Overlay.list("kinds", ["follow", "share", "gift"]));
    MAX = Overlay.number("max", 4, 1, 20);
    SECONDS = Overlay.number("seconds", 6, 0.5, 60);
  }
  setup();
  const LEAVE_MS = 500;
  const LATE_MAX_MS = 1000; // a late arrival comes in by then anyway (custom CSS may lay the toasts over one another)
  // On top of toast-in's own move (composite "add"); ease-out, so no frame moves a toast far. `backwards`: a busy
  // Chromium (OBS's too) may start a new animation a hair after the frame's time, and without it the toast would be
  // drawn at its new place for that frame, then jump back to glide from the old one.
  const SLIDE = { duration: 300, easing: "ease-out", composite: "add", fill: "backwards" };
  // A gift TikTok sends without a name shows as a gift's picture, not a hole ("envoie  ×887"): the same in
  // every language, and not a word the wording check would flag on screen ("cadeau", "gift").
  const UNNAMED_GIFT = "🎁";

  let incoming = [];
  // {li, event, until, leaving, late (when it began to wait, or 0), gone, slide, was, place, offset, height, opacity},
  // the oldest first
  const shown = [];

  function giftName(gift) {
    const name = String(gift ?? "");
    return name.trim() ? name : UNNAMED_GIFT;
  }

  /** Write what `event` says into `body`, in the page's words. */
  function say(body, event) {
    Overlay.fill(body, `activity_${event.type}`, {
      user: String(event.user || "?"),
      gift: giftName(event.gift),
      count: Number(event.count) || 1,
    });
  }

  function toast(event) {
    const li = document.createElement("li");
    li.className = "toast";
    li.dataset.kind = event.type;
    const icon = document.createElement("span");
    icon.className = "toast-icon";
    icon.setAttribute("aria-hidden", "true");
    const body = document.createElement("span");
    body.className = "toast-text";
    say(body, event);
    li.append(icon, body);
    return li;
  }

  /** Where each toast is before this frame's changes (read while the layout is still clean): its place in the list
   *  (`offset`; `place` on screen) and where it is drawn (`was`, mid-glide included). */
  function measure() {
    const top = list.getBoundingClientRect().top;
    for (const t of shown) {
      t.offset = t.li.offsetTop;
      t.place = top + t.offset;
      t.height = t.li.offsetHeight;
      t.was = t.li.getBoundingClientRect().top;
      t.opacity = getComputedStyle(t.li).opacity; // (one still coming in fades out from there, not from full)
    }
  }

  /** How many of the `waiting` arrivals come in now. They come in below the newest toast that stays, where it is
   *  drawn: when it is still gliding up and they would start below the source's edge, some wait a few frames. */
  function room(waiting, staying) {
    const newest = staying[staying.length - 1];
    if (!newest || waiting >= MAX) return waiting; // nothing stays: they come in at their places
    const slot = newest.height + (parseFloat(getComputedStyle(list).rowGap) || 0);
    const fit = Math.floor((window.innerHeight - newest.was - newest.height) / slot);
    const resting = !newest.slide || newest.slide.playState === "finished";
    return Math.min(waiting, Math.max(resting ? 1 : 0, fit)); // (a source too small for `max` still gets them)
  }

  /** Move `t` from `dy` px below its place back to it, from where it is drawn (any glide under way starts again). */
  function slide(t, dy) {
    if (t.slide) t.slide.cancel();
    const from = { transform: `translateY(${dy}px)` };
    t.slide = Math.abs(dy) < 0.5 ? null : t.li.animate([from, { transform: "none" }], SLIDE);
  }

  /** After the list changed (one layout, on such frames only): each toast glides from where it was to its new place,
   *  so nothing jumps; the arrivals start just below the newest toast that stays and glide with it, as in a chat. */
  function glide(now) {
    const top = list.getBoundingClientRect().top;
    const moves = [];
    const tops = []; // the places of the toasts that stay on, the oldest first
    let below = 0;
    let bottom = -Infinity; // the newest arrival's bottom, at its place
    let end = -Infinity; // the newest toast's bottom, at its place
    for (const t of shown) {
      const at = top + t.li.offsetTop;
      // (A leaving toast's glide under way goes on: it is measured from its place.)
      const dy = t.was === null ? null : (t.leaving ? t.place : t.was) - at;
      if (dy === null) bottom = at + t.li.offsetHeight;
      else if (!t.leaving) below = dy;
      if (!t.leaving) {
        tops.push([t, at]);
        end = at + t.li.offsetHeight;
      }
      moves.push([t, dy]);
    }
    // A source too small for `max` toasts: the oldest leave on the next frame, as in a chat, so that the newest is
    // not laid out of sight below the source's edge (it would stay there until the oldest's time is up). One that
    // arrives now (a burst bigger than the source) is never drawn: unseen (.is-late), it goes at once.
    let over = end - window.innerHeight;
    for (let i = 0; over > 0.5 && i < tops.length - 1; i++) {
      const t = tops[i][0];
      if (t.was === null) {
        t.late = now;
        t.li.classList.add("is-late");
      }
      t.until = now;
      over -= tops[i + 1][1] - tops[i][1];
    }
    // No room below (a list at the bottom of the source, or a source too small for `max`): the arrivals wait, unseen,
    // at their places (.is-late) until the others have glided out of the way (`ready`).
    const late = below > 0 && bottom + below > window.innerHeight;
    for (const [t, dy] of moves) {
      // A leaving toast stays where it is, should the list move (a list at the middle or bottom of the source).
      if (t.leaving) {
        t.li.style.top = `${t.offset + dy}px`;
      } else if (dy !== null) {
        slide(t, dy);
      } else if (late) {
        t.late = now;
        t.li.classList.add("is-late");
      } else {
        slide(t, below);
      }
    }
  }

  /** The late arrivals that may come in now: the toast before each has glided out of its way. Reads only, at the
   *  frame's start while the layout is clean, and only on the frames where one waits. (A fixed delay showed them in a
   *  pile when a busy PC held the glides back; waiting for every glide to end showed them later.) */
  function ready(now) {
    const found = [];
    let above = null;
    for (const t of shown) {
      if (t.leaving) continue;
      if (
        t.late &&
        (!above ||
          now - t.late >= LATE_MAX_MS ||
          above.li.getBoundingClientRect().bottom <= t.li.getBoundingClientRect().top + 1)
      ) {
        found.push(t);
      }
      above = t;
    }
    return found;
  }

  const wake = Overlay.animate((dt, now) => {
    const revealed = shown.some((t) => t.late) ? ready(now) : [];
    if (incoming.length > MAX) incoming = incoming.slice(-MAX); // (`max` lowered by a config edit)
    const on = shown.filter((t) => !t.leaving);
    const staying = on.filter((t) => now < t.until);
    const changed = incoming.length > 0 || staying.length < on.length;
    if (changed) measure(); // all reads first, then the writes below
    const arriving = incoming.splice(0, changed ? room(incoming.length, staying) : 0);
    // Who leaves: the toasts whose time is up, and the oldest when the arrivals make more than `max` on screen.
    let extra = on.length + arriving.length - MAX;
    const going = [];
    for (const t of on) {
      if (extra > 0 || now >= t.until) {
        going.push(t);
        extra--;
      }
    }
    // Fading toasts are still painted: a busy live keeps the newest `max` of them, older (fainter) ones go at once.
    let fading = shown.length - on.length + going.length - MAX;
    const done = [];
    for (const t of shown) {
      if (t.leaving && (now >= t.gone || fading > 0)) {
        done.push(t);
        fading--;
      }
    }
    for (const t of going) {
      t.leaving = true;
      t.gone = t.late ? now : now + LEAVE_MS; // (one never seen goes at once, unseen)
      // Out of the flow where it stands (.is-leaving): while it fades, it no longer pushes the newer ones down.
      t.li.style.top = `${t.offset}px`;
      t.li.style.opacity = t.opacity;
      t.li.classList.add("is-leaving");
    }
    for (const t of revealed) {
      if (!t.late || t.leaving) continue;
      t.late = 0;
      t.li.classList.replace("is-late", "was-late");
    }
    for (const t of done) {
      t.li.remove();
      shown.splice(shown.indexOf(t), 1);
    }
    for (const event of arriving) {
      const li = toast(event);
      list.appendChild(li);
      shown.push({ li, event, until: now + SECONDS * 1000, leaving: false, late: 0, gone: 0, slide: null, was: null });
    }
    if (going.length || arriving.length) glide(now);
    return shown.length > 0 || incoming.length > 0; // (arrivals waiting for room)
  });

  // A config edit: the next toasts follow it, and those on screen say it again in its words (a `locale` edit); they
  // leave as planned.
  Overlay.onOptions(() => {
    setup();
    for (const t of shown) {
      if (!t.leaving) say(t.li.querySelector(".toast-text"), t.event);
    }
  });

  Overlay.connect({
    events(events) {
      for (const event of events) {
        if (KINDS.has(event.type)) incoming.push(event);
      }
      if (incoming.length > MAX) incoming = incoming.slice(-MAX);
      if (incoming.length) wake();
    },
  });
})();
