// Stats page: hovering a top moment in the list lights up its bar in the chart (the page works without it).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
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
});
