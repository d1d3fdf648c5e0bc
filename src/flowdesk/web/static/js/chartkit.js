/* Flowdesk chart kit: formatting, colours, the percentile-line plugin, HTML tooltips and the
   settings every flow chart shares. Used by flowcharts.js; the report inlines both. */
(function () {
  'use strict';

  var DAY_MS = 86400000;
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov',
    'Dec'];
  var INK = '#1c2430';
  var MUTED = '#5d6778';
  var GRID = '#e8ecf1';
  var NAVY = '#1f3a5f';
  var BLUE = '#2d6cb0';
  var GOOD = '#16803c';
  var BAD = '#b42318';
  var PERCENTILE_COLOURS = { '50': '#16803c', '70': '#b7791f', '85': '#c2410c', '95': '#b42318' };
  var charts = {};  // drawn charts by name, so a redraw replaces them

  // ---- formatting ------------------------------------------------------------------------

  function dayOf(iso) { return Math.round(Date.parse(iso + 'T00:00:00Z') / DAY_MS); }
  function isoOf(day) { return new Date(day * DAY_MS).toISOString().slice(0, 10); }
  function shortDate(iso, withYear) {
    var parts = iso.split('-');
    var text = Number(parts[2]) + ' ' + MONTHS[Number(parts[1]) - 1];
    return withYear ? text + ' ' + parts[0] : text;
  }
  function longDate(iso) { return iso ? shortDate(iso, true) : '–'; }
  function num(value, digits) {
    if (value === null || value === undefined) { return '–'; }
    return Number(value).toLocaleString('en-GB', { maximumFractionDigits: digits || 0 });
  }
  function pct(value) {
    return value === null || value === undefined ? '–' : num(100 * value, 0) + '%';
  }
  function days(value) {
    if (value === null || value === undefined) { return '–'; }
    return num(value, 1) + (Number(value) === 1 ? ' day' : ' days');
  }
  function plural(count, word) { return num(count) + ' ' + word + (count === 1 ? '' : 's'); }

  // ---- colours -----------------------------------------------------------------------------

  function stateColours(states) {
    var shades = {
      upstream: ['#d5dce6', '#c3ccd8', '#b1bccb', '#a0acbe'],
      committed: ['#9fc3ea', '#6fa3da', '#4a86c8', '#2d6cb0', '#24578f', '#1f3a5f'],
      done: ['#8fcfa3', '#5bb77a', '#16803c'],
      discarded: ['#e4e8ee']
    };
    var used = { upstream: 0, committed: 0, done: 0, discarded: 0 };
    return states.map(function (state) {
      var list = shades[state.phase] || shades.upstream;
      var colour = list[Math.min(used[state.phase], list.length - 1)];
      used[state.phase] += 1;
      return colour;
    });
  }

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  // ---- a plugin for percentile lines, markers and zones -----------------------------------

  /* options.plugins.fdMarks = {
       y: [{value, label, colour}],            horizontal lines (value on the y scale)
       x: [{value | fraction, label, colour}], vertical lines (x scale value, or fraction of width)
       zones: [{from, to, colour, label}]      horizontal bands on the y scale, drawn behind */
  var marks = {
    id: 'fdMarks',
    beforeDatasetsDraw: function (chart, args, opts) {
      var area = chart.chartArea;
      var y = chart.scales.y;
      if (!opts || !opts.zones || !y) { return; }
      var ctx = chart.ctx;
      ctx.save();
      opts.zones.forEach(function (zone) {
        var top = Math.max(area.top, y.getPixelForValue(zone.to));
        var bottom = Math.min(area.bottom, y.getPixelForValue(zone.from));
        if (bottom <= top) { return; }
        ctx.fillStyle = zone.colour;
        ctx.fillRect(area.left, top, area.right - area.left, bottom - top);
      });
      ctx.restore();
    },
    afterDatasetsDraw: function (chart, args, opts) {
      if (!opts) { return; }
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      var placed = [];  // label boxes drawn so far: close lines get their labels side by side
      (opts.y || []).forEach(function (line) {
        if (line.value === null || line.value === undefined) { return; }
        var py = chart.scales.y.getPixelForValue(line.value);
        if (py < area.top || py > area.bottom) { return; }
        ctx.strokeStyle = line.colour;
        ctx.beginPath();
        ctx.moveTo(area.left, py);
        ctx.lineTo(area.right, py);
        ctx.stroke();
        var width = ctx.measureText(line.label).width;
        var right = area.right - 4;
        placed.forEach(function (box) {
          if (Math.abs(box.y - py) < 13 && right - width < box.right) {
            right = Math.min(right, box.left - 10);
          }
        });
        placed.push({ y: py, left: right - width, right: right });
        ctx.fillStyle = line.colour;
        ctx.textAlign = 'right';
        ctx.textBaseline = 'bottom';
        ctx.fillText(line.label, right, py - 2);
      });
      var stagger = 0;
      (opts.x || []).forEach(function (line) {
        var px;
        if (line.fraction !== undefined) {
          if (line.fraction === null) { return; }
          px = area.left + line.fraction * (area.right - area.left);
        } else {
          if (line.value === null || line.value === undefined) { return; }
          px = chart.scales.x.getPixelForValue(line.value);
        }
        if (px < area.left - 1 || px > area.right + 1) { return; }
        ctx.strokeStyle = line.colour;
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.fillStyle = line.colour;
        ctx.textAlign = px > area.right - 60 ? 'right' : 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(line.label, px + (ctx.textAlign === 'left' ? 4 : -4), area.top + 2 + stagger);
        stagger = (stagger + 13) % 52;  // labels of close lines do not overprint each other
      });
      ctx.restore();
    }
  };

  // ---- tooltips: HTML, so they can be read (and tested) as text ----------------------------

  function tipBox(root) { return root.querySelector('[data-tip]'); }

  function externalTip(root, linesOf) {
    return function (context) {
      var box = tipBox(root);
      var tip = context.tooltip;
      if (!box) { return; }
      if (!tip || tip.opacity === 0 || !tip.dataPoints || !tip.dataPoints.length) {
        box.hidden = true;
        return;
      }
      var lines = linesOf(tip.dataPoints);
      if (!lines.length) { box.hidden = true; return; }
      box.replaceChildren();
      lines.forEach(function (line, index) {
        var row = document.createElement('div');
        row.className = index === 0 ? 'an-tip-title' : 'an-tip-line';
        row.textContent = line;
        box.append(row);
      });
      var rect = context.chart.canvas.getBoundingClientRect();
      box.hidden = false;
      var left = rect.left + window.scrollX + tip.caretX + 14;
      var maxLeft = window.scrollX + document.documentElement.clientWidth - box.offsetWidth - 8;
      if (left > maxLeft) { left = rect.left + window.scrollX + tip.caretX - box.offsetWidth - 14; }
      box.style.left = Math.max(4, left) + 'px';
      box.style.top = (rect.top + window.scrollY + tip.caretY - 10) + 'px';
    };
  }

  function itemsAt(points, limit) {
    var keys = [];
    points.forEach(function (p) {
      var raw = p.raw || {};
      if (raw.key && keys.indexOf(raw.key) < 0) { keys.push(raw.key); }
    });
    return keys.length > limit ? keys.slice(0, limit).concat(['and ' + (keys.length - limit) +
      ' more']) : keys;
  }

  function openItem(options) {
    return function (event, elements, chart) {
      if (!options.itemUrl || !elements.length) { return; }
      var element = elements[0];
      var raw = chart.data.datasets[element.datasetIndex].data[element.index];
      if (raw && raw.key) {
        window.location.href = options.itemUrl.replace('{key}', encodeURIComponent(raw.key));
      }
    };
  }

  function pointer(event, elements, chart) {
    var onItem = elements.some(function (e) {
      var raw = chart.data.datasets[e.datasetIndex].data[e.index];
      return raw && raw.key;
    });
    chart.canvas.style.cursor = onItem ? 'pointer' : 'default';
  }

  // ---- shared chart settings ---------------------------------------------------------------

  function base(root, linesOf, extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      layout: { padding: { top: 4, right: 8 } },
      plugins: {
        legend: { display: false, labels: { color: INK, boxWidth: 12, boxHeight: 12 } },
        tooltip: { enabled: false, external: externalTip(root, linesOf) },
        fdMarks: {}
      },
      scales: {
        x: { grid: { color: GRID }, ticks: { color: MUTED, maxRotation: 0, autoSkipPadding: 12 } },
        y: { beginAtZero: true, grid: { color: GRID }, ticks: { color: MUTED, precision: 0 } }
      }
    };
    return deepMerge(options, extra || {});
  }

  function deepMerge(target, extra) {
    Object.keys(extra).forEach(function (key) {
      var value = extra[key];
      if (value && typeof value === 'object' && !Array.isArray(value) &&
          typeof value !== 'function' && target[key] && typeof target[key] === 'object') {
        deepMerge(target[key], value);
      } else {
        target[key] = value;
      }
    });
    return target;
  }

  /* Histograms come sparse (only values some trial reached); charts want every value between. */
  function dense(values, counts) {
    if (!values.length) { return { values: [], counts: [] }; }
    var out = { values: [], counts: [] };
    var at = {};
    values.forEach(function (v, i) { at[v] = counts[i]; });
    for (var v = values[0]; v <= values[values.length - 1]; v += 1) {
      out.values.push(v);
      out.counts.push(at[v] || 0);
    }
    return out;
  }

  function card(root, name) { return root.querySelector('[data-chart="' + name + '"]'); }

  function draw(root, name, config, empty) {
    var section = card(root, name);
    if (!section) { return null; }
    if (charts[name]) { charts[name].destroy(); delete charts[name]; }
    var box = section.querySelector('.an-box');
    var note = section.querySelector('[data-empty]');
    if (note) { note.hidden = !empty; }
    if (box) { box.hidden = !!empty; }
    if (empty || !box) { return null; }
    config.plugins = [marks];
    charts[name] = new window.Chart(box.querySelector('canvas'), config);
    return charts[name];
  }

  /* One line per distinct value: "70% · 85%: 2 days" rather than two labels on one line. */
  function percentileMarks(percentiles, which, toValue, format) {
    var marksOut = [];
    which.forEach(function (p) {
      var value = percentiles[p];
      if (value === null || value === undefined) { return; }
      var last = marksOut[marksOut.length - 1];
      if (last && last.raw === value) {
        last.names.push(p);
        last.colour = PERCENTILE_COLOURS[p];
      } else {
        marksOut.push({ raw: value, names: [p], colour: PERCENTILE_COLOURS[p],
          value: toValue ? toValue(value) : value });
      }
    });
    return marksOut.map(function (m) {
      m.label = m.names.join('% · ') + '%: ' + (format ? format(m.raw) : days(m.raw));
      return m;
    });
  }

  function pctTick(share) {
    if (share === 0) { return '0%'; }
    return num(100 * share, 100 * share < 10 ? 1 : 0) + '%';
  }

  function fill(scope, selector, text) {
    scope.querySelectorAll(selector).forEach(function (el) { el.textContent = text; });
  }

  window.FlowdeskChartKit = {
    MUTED: MUTED, NAVY: NAVY, BLUE: BLUE, GOOD: GOOD, BAD: BAD,
    PERCENTILE_COLOURS: PERCENTILE_COLOURS, charts: charts,
    dayOf: dayOf, isoOf: isoOf, shortDate: shortDate, longDate: longDate, num: num, pct: pct,
    days: days, plural: plural, stateColours: stateColours, alpha: alpha, itemsAt: itemsAt,
    openItem: openItem, pointer: pointer, base: base, dense: dense, card: card, draw: draw,
    percentileMarks: percentileMarks, pctTick: pctTick, fill: fill
  };
}());
