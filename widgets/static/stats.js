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
}

function moments() {
  const chart = document.getElementById("chart");
  const list = document.getElementById("moments");
  if (!chart || !list) return;
  const bars = new Map();
  for (const bar of chart.querySelectorAll(".bar")) bars.set(bar.dataset.start, bar);
  for (const item of list.querySelectorAll("li")) {
    const bar = bars.get(item.dataset.bar); // a long live's bars are wider than the 10 s of a moment
    if (!bar) continue;
    const on = (lit) => {
      bar.classList.toggle("highlight", lit);
      item.classList.toggle("highlight", lit);
    };
    item.addEventListener("mouseenter", () => on(true));
    item.addEventListener("mouseleave", () => on(false));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document.documentElement.lang === "en" ? "en" : "fr");
  moments();
});
