// Relay dashboards: draw every <canvas data-chart="ID"> from the JSON in <script id="ID">
// (written by Django's json_script). No inline scripts: strict CSP holds.
(function () {
  "use strict";

  var PALETTE = ["#1f4fbf", "#1e8a7a", "#c77800", "#7b4fc9", "#c2410c", "#4d7c0f", "#be185d", "#475569"];
  var LINE = "#14213d";

  // Grouped as the house format groups (accounts/formats.py: 81,000), whatever the browser's locale.
  var money = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
  var plain = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

  function formatter(kind) {
    if (kind === "money") return function (v) { return money.format(v); };
    if (kind === "percent") return function (v) { return plain.format(v) + "%"; };
    if (kind === "days") return function (v) { return plain.format(v) + " d"; };
    return function (v) { return plain.format(v); };
  }

  function config(spec) {
    var fmt = formatter(spec.format);
    var valueAxis = spec.horizontal ? "x" : "y";
    var categoryAxis = spec.horizontal ? "y" : "x";
    var datasets = spec.datasets.map(function (d, i) {
      var isLine = d.type === "line";
      var colour = isLine ? LINE : PALETTE[i % PALETTE.length];
      return {
        label: d.label,
        data: d.data,
        type: d.type || spec.type,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: isLine ? 2 : 0,
        pointRadius: 0,
        pointHitRadius: isLine ? 8 : 1,
        pointStyle: isLine ? "line" : "rect", // the legend shows a line as a line
        borderDash: isLine ? [6, 4] : undefined,
        order: isLine ? 0 : 1,
        stack: spec.stacked ? (isLine ? "line" : "bars") : undefined,
        maxBarThickness: 48
      };
    });
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      stacked: !!spec.stacked,
      ticks: { callback: function (v) { return fmt(v); }, precision: 0 },
      grid: { color: "#e6e9ee" }
    };
    if (spec.format === "percent") scales[valueAxis].max = 100;
    scales[categoryAxis] = {
      stacked: !!spec.stacked,
      grid: { display: false },
      ticks: { autoSkip: !spec.horizontal }
    };
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom", labels: { usePointStyle: true, pointStyleWidth: 18 } },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + fmt(ctx.parsed[valueAxis]); }
            }
          }
        }
      }
    };
  }

  function draw(root) {
    if (typeof window.Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
      canvas.dataset.drawn = "true";
    });
  }

  // Filters apply as soon as they change (the form still works with its button).
  // The page reloads rather than swapping in place: htmx drops the JSON <script> tags.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-autosubmit")) form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
})();
