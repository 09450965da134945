// Stats pages: dates in the reader's own time zone, and a top moment lights up its bar in the chart.
// The pages work without it: the server writes the dates in its own time zone, the chart is plain SVG.
"use strict";

const NBSP = "\u00a0";

// The server's formats (overlay/web/stats.py `date`, `time_of_day`), with Intl's names for days and months.
function timeOfDay(at, locale) {
  const hours = at.getHours(), minutes = String(at.getMinutes()).padStart(2, "0");
  if (locale === "fr") return `${hours}${NBSP}h${NBSP}${minutes}`;
  return `${(hours + 11) % 12 + 1}:${minutes}${NBSP}${hours < 12 ? "am" : "pm"}`;
}

function localTimes(locale) {
  const weekday = new Intl.DateTimeFormat(locale, { weekday: "short" });
  const month = new Intl.DateTimeFormat(locale, { month: "short" });
  const title = document.querySelector("#live-date time");
  const written = title && title.textContent;
  for (const time of document.querySelectorAll("time[data-show]")) {
    const at = new Date(time.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    const day = `${at.getDate()}${NBSP}${month.format(at)}${NBSP}${at.getFullYear()}`;
    time.textContent = time.dataset.show === "time"
      ? timeOfDay(at, locale)
      : `${weekday.format(at)} ${day}, ${timeOfDay(at, locale)}`;
  }
  if (title && written) document.title = document.title.replace(written, title.textContent);
  // The CSV's time column in the same zone (the server's own otherwise).
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const link of document.querySelectorAll("a[data-zoned]")) {
    if (!zone) break;
    const url = new URL(link.href);
    url.searchParams.set("tz", zone);
    link.href = url.href;
  }
}

// The list's months in the same zone as its dates: the server groups the lives in its own, and a live it started at
// 23:30 UTC on 30 November is on 1 December in Paris. (Only the headings move: the rows keep their order.)
function localMonths() {
  const table = document.querySelector("table.lives[data-months]");
  const heading = table && table.querySelector("tr.month");
  if (!heading) return;
  const names = table.dataset.months.split(",");
  const groups = [];
  for (const row of table.querySelectorAll("tr[data-live]")) {
    const at = new Date(row.querySelector("time")?.dateTime);
    if (Number.isNaN(at.getTime()) || names.length !== 12) return; // (the server's months stay)
    const month = `${names[at.getMonth()]} ${at.getFullYear()}`;
    if (!groups.length || groups[groups.length - 1].month !== month) groups.push({ month, rows: [] });
    groups[groups.length - 1].rows.push(row);
  }
  const bodies = groups.map(({ month, rows }) => {
    const body = document.createElement("tbody");
    const head = heading.cloneNode(true);
    head.querySelector("th").textContent = month;
    body.append(head, ...rows);
    return body;
  });
  for (const old of table.querySelectorAll("tbody")) old.remove();
  table.append(...bodies);
}

// A long live's chart is wider than a phone (840 px at least): a hint says it goes on, and a moment of the list,
// tapped or clicked, scrolls the chart to its bar and keeps it lit (hovering lights it up only while hovered).
function moments() {
  const chart = document.getElementById("chart");
  if (!chart) return;
  const box = chart.closest(".chart-scroll");
  // The likes scale stays at the left edge (drawn again over the chart) only once the chart has scrolled.
  box.addEventListener("scroll", () => box.classList.toggle("is-scrolled", box.scrollLeft > 0), { passive: true });
  const hint = document.getElementById("chart-hint");
  if (hint) {
    const overflows = () => { hint.hidden = box.scrollWidth <= box.clientWidth + 1; };
    new ResizeObserver(overflows).observe(box);
    overflows();
  }
  const list = document.getElementById("moments");
  if (!list) return;
  const behavior = matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
  const bars = new Map();
  for (const bar of chart.querySelectorAll(".bar")) bars.set(bar.dataset.start, bar);
  for (const item of list.querySelectorAll("li")) {
    const bar = bars.get(item.dataset.bar); // the bar it is marked over (a moment may fall across two)
    if (!bar) continue;
    const on = (lit) => {
      bar.classList.toggle("highlight", lit);
      item.classList.toggle("highlight", lit);
    };
    item.addEventListener("mouseenter", () => on(true));
    item.addEventListener("mouseleave", () => on(false));
    item.addEventListener("click", (event) => {
      event.preventDefault(); // (the time's link, #bar-…, is for a page without this script)
      for (const chosen of document.querySelectorAll(".chosen")) chosen.classList.remove("chosen");
      bar.classList.add("chosen");
      item.classList.add("chosen");
      const hit = bar.querySelector(".hit").getBoundingClientRect(), frame = box.getBoundingClientRect();
      box.scrollBy({ left: hit.left + hit.width / 2 - (frame.left + frame.width / 2), behavior });
      box.scrollIntoView({ block: "nearest", behavior });
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document.documentElement.lang === "en" ? "en" : "fr");
  localMonths();
  moments();
});
