// The Analytics page's charts, drawn with Chart.js (static/vendor/, see docs/console.md)
// from the page's JSON block (#analytics-data, the figures of staff/analytics/report.py
// `dashboard`). Without this file, or without JavaScript, the tables show the same numbers.
(function () {
  "use strict";
  var INK = "#1a1a1a", BLUE = "#0b5394", ORANGE = "#b45309", GREEN = "#0f5323";
  // How staff/analytics/languages.py names a message's language.
  var LANGUAGES = { en: "English", es: "Español", none: "— (no language)" };

  function conversationsUrl(params) {
    return "/analytics/conversations?" + new URLSearchParams(params).toString();
  }

  // A chart in the hidden box of the canvas with this id (the box is shown once drawn).
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    document.getElementById(id + "-box").hidden = false;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    config.options = Object.assign({
      responsive: true, maintainAspectRatio: false, animation: still ? false : { duration: 300 },
      plugins: { legend: { labels: { color: INK } } },
      scales: { x: { beginAtZero: true, ticks: { color: INK, precision: 0 } },
                y: { beginAtZero: true, ticks: { color: INK, precision: 0 } } }
    }, config.options || {});
    return new window.Chart(canvas, config);
  }

  function bars(labels, values, label, color, extra) {
    return Object.assign({ type: "bar", data: { labels: labels, datasets: [
      { label: label, data: values, backgroundColor: color, maxBarThickness: 40 } ] } },
      extra || {});
  }

  function pairs(list) {
    return { labels: list.map(function (p) { return p[0]; }),
             values: list.map(function (p) { return p[1]; }) };
  }

  // Opens the URL of the clicked element (index into `urls`), if any.
  function opener(urls) {
    return function (event, elements) {
      if (elements.length && urls[elements[0].index]) {
        window.location.assign(urls[elements[0].index]);
      }
    };
  }

  function hover(event, elements) {
    if (event.native && event.native.target) {
      event.native.target.style.cursor = elements.length ? "pointer" : "default";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("analytics-data");
    if (!node || !window.Chart) { return; }
    window.Chart.defaults.font.size = 14;
    window.Chart.defaults.color = INK;
    var d = JSON.parse(node.textContent);
    var period = { from: d.period.from, to: d.period.to };
    var days = d.per_day.map(function (x) { return x.day; });

    draw("chart-daily", { type: "line", data: { labels: days, datasets: [
      { label: "Conversations", data: d.per_day.map(function (x) { return x.conversations; }),
        borderColor: BLUE, backgroundColor: BLUE },
      { label: "Messages", data: d.per_day.map(function (x) { return x.messages; }),
        borderColor: ORANGE, backgroundColor: ORANGE, borderDash: [6, 3] } ] } });

    var dayUrls = d.per_day.map(function (x) {
      return x.fallbacks ? conversationsUrl({ from: x.day, to: x.day, fallback: "1" }) : null;
    });
    draw("chart-fallback", { type: "line", data: { labels: days, datasets: [
      { label: "Didn't understand (% of messages)", borderColor: ORANGE, backgroundColor: ORANGE,
        data: d.per_day.map(function (x) { return Math.round(x.fallback_rate * 1000) / 10; }) } ] },
      options: { onClick: opener(dayUrls), onHover: hover,
                 interaction: { mode: "index", intersect: false } } });

    var topics = pairs(d.top_topics);
    draw("chart-topics", bars(topics.labels, topics.values, "Messages", BLUE, { options: {
      indexAxis: "y", onClick: opener(topics.labels.map(function (name) {
        return conversationsUrl(Object.assign({ topic: name }, period));
      })), onHover: hover } }));

    var faqs = pairs(d.top_faqs);
    draw("chart-faqs", bars(faqs.labels, faqs.values, "Answered", GREEN, { options: {
      indexAxis: "y", onClick: opener(faqs.labels.map(function (name) {
        return conversationsUrl(Object.assign({ topic: "faq:" + name }, period));
      })), onHover: hover } }));

    draw("chart-funnel", bars(["Started", "Completed", "Delivered"],
      [d.funnel.started, d.funnel.completed, d.funnel.delivered], "Bookings", BLUE));
    draw("chart-latency", bars(["Median", "95th percentile"],
      [d.latency_ms.p50, d.latency_ms.p95], "Reply time (ms)", ORANGE));
    draw("chart-hours", bars(d.busiest_hours.map(function (p) {
      return (p[0] < 10 ? "0" : "") + p[0] + ":00";
    }), d.busiest_hours.map(function (p) { return p[1]; }), "Messages", BLUE));
    // Per language (en, es, …, "none"): messages and conversations, and the share not
    // understood; a bar opens the conversations in that language (or those not understood).
    var codes = Object.keys(d.per_language);
    var names = codes.map(function (code) { return LANGUAGES[code] || code; });
    var figure = function (name) {
      return codes.map(function (code) { return d.per_language[code][name]; });
    };
    var languageUrls = codes.map(function (code) {
      return d.per_language[code].messages ?
        conversationsUrl(Object.assign({ language: code }, period)) : null;
    });
    draw("chart-languages", { type: "bar", data: { labels: names, datasets: [
      { label: "Messages", data: figure("messages"), backgroundColor: GREEN, maxBarThickness: 40 },
      { label: "Conversations", data: figure("conversations"), backgroundColor: BLUE,
        maxBarThickness: 40 } ] },
      options: { onClick: opener(languageUrls), onHover: hover } });
    draw("chart-language-fallback", bars(names, codes.map(function (code) {
      return Math.round(d.per_language[code].fallback_rate * 1000) / 10;
    }), "Didn't understand (% of messages)", ORANGE, { options: {
      onClick: opener(codes.map(function (code) {
        return d.per_language[code].fallbacks ?
          conversationsUrl(Object.assign({ language: code, fallback: "1" }, period)) : null;
      })), onHover: hover } }));
  });
}());
