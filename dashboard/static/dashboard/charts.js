/* Draws every <canvas class="chart"> on the page with the vendored Chart.js.
 * The data comes from the <script type="application/json"> (Django's json_script)
 * named by data-chart-data, so pages need no inline JS under a strict CSP. */
(function () {
  'use strict';

  // Okabe–Ito colour-blind-safe palette.
  const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#F0E442', '#000000'];
  // The kinds dashboard/charts.py makes.
  const TYPES = { bar: 'bar', horizontalBar: 'bar', doughnut: 'doughnut' };

  function readData(canvas) {
    const source = document.getElementById(canvas.dataset.chartData || '');
    if (!source) return null;
    try {
      const data = JSON.parse(source.textContent);
      const ok = data && Array.isArray(data.labels) && data.labels.length && Array.isArray(data.datasets);
      return ok ? data : null;
    } catch (err) {
      return null;
    }
  }

  function applyPalette(data, circular) {
    data.datasets.forEach(function (ds, i) {
      if (ds.backgroundColor) return;
      if (circular) {
        // Doughnut slices need a colour each, not one per dataset.
        ds.backgroundColor = data.labels.map((_, j) => PALETTE[j % PALETTE.length]);
      } else {
        ds.backgroundColor = PALETTE[i % PALETTE.length];
        ds.borderColor = ds.borderColor || ds.backgroundColor;
      }
    });
  }

  // A dataset's own links win over the chart's top-level ones.
  function linkFor(data, element) {
    const ds = data.datasets[element.datasetIndex] || {};
    const links = Array.isArray(ds.links) ? ds.links : data.links;
    const url = Array.isArray(links) ? links[element.index] : null;
    return typeof url === 'string' && url ? url : null;
  }

  function buildConfig(canvas, data) {
    const kind = canvas.dataset.chartType;
    const type = TYPES[kind];
    const circular = type === 'doughnut';
    const currency = canvas.dataset.chartCurrency;
    const locale = document.documentElement.lang || undefined;
    const format = currency ? new Intl.NumberFormat(locale, {
      style: 'currency', currency: currency, notation: 'compact',
      minimumFractionDigits: 0, maximumFractionDigits: 1,
    }).format : null;
    // Axis ticks stay short ("6B", not "6,000,000,000"); tooltips keep the exact figure.
    const compact = format || new Intl.NumberFormat(locale, { notation: 'compact' }).format;

    applyPalette(data, circular);

    const options = {
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: circular || data.datasets.length > 1 } },
      onHover: function (event, elements, chart) {
        chart.canvas.style.cursor = elements.some((el) => linkFor(data, el)) ? 'pointer' : '';
      },
      onClick: function (event, elements) {
        const url = elements.map((el) => linkFor(data, el)).find(Boolean);
        if (url) window.location.assign(url);
      },
    };
    if (kind === 'horizontalBar') options.indexAxis = 'y';
    if (window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      options.animation = false;
    }

    if (!circular) {
      // Money ticks belong on the value axis, which is x for horizontal bars.
      const valueAxis = options.indexAxis === 'y' ? 'x' : 'y';
      const stacked = canvas.dataset.chartStacked === 'true';
      options.scales = { x: { stacked: stacked }, y: { stacked: stacked } };
      options.scales[valueAxis].ticks = { callback: (value) => compact(value) };
      // Long names would run off the canvas: shorten them on the axis, in full in tooltips.
      const indexAxis = valueAxis === 'x' ? 'y' : 'x';
      options.scales[indexAxis].ticks = {
        callback: function (value) {
          const label = String(this.getLabelForValue(value));
          return label.length > 24 ? label.slice(0, 23) + '…' : label;
        },
      };
    }
    if (format) {
      options.plugins.tooltip = {
        callbacks: {
          label: (ctx) => (ctx.dataset.label ? ctx.dataset.label + ': ' : '') + format(ctx.raw),
        },
      };
    }

    return { type: type, data: data, options: options };
  }

  function init() {
    if (typeof Chart === 'undefined') return; // Chart.js failed to load: the tables remain.
    document.querySelectorAll('canvas.chart').forEach(function (canvas) {
      const data = readData(canvas);
      if (!data || !TYPES[canvas.dataset.chartType]) {
        canvas.remove();
        return;
      }
      try {
        new Chart(canvas, buildConfig(canvas, data));
        canvas.dataset.chartReady = 'true';
      } catch (err) {
        // One bad chart must not stop the others; its table still carries the data.
        console.error('charts.js: could not draw', canvas, err);
        canvas.remove();
      }
    });
  }

  document.addEventListener('DOMContentLoaded', init);
})();
