/* Flowdesk flow charts: one function per chart, each drawing from the chart payload
   (GET /api/v1/services/{key}/metrics/charts) into its card of _analytics_charts.html. */
(function () {
  'use strict';

  var K = window.FlowdeskChartKit;
  var MUTED = K.MUTED, NAVY = K.NAVY, BLUE = K.BLUE, GOOD = K.GOOD, BAD = K.BAD,
    PERCENTILE_COLOURS = K.PERCENTILE_COLOURS, dayOf = K.dayOf, isoOf = K.isoOf,
    shortDate = K.shortDate, longDate = K.longDate, num = K.num, pct = K.pct, days = K.days,
    plural = K.plural, stateColours = K.stateColours, alpha = K.alpha, itemsAt = K.itemsAt,
    openItem = K.openItem, pointer = K.pointer, base = K.base, dense = K.dense, card = K.card,
    draw = K.draw, percentileMarks = K.percentileMarks, pctTick = K.pctTick, fill = K.fill;

  // ---- the charts --------------------------------------------------------------------------

  // The whole diagram, or work in progress only (cfd.wip_only: no done bands, each line less
  // the delivered): the person's choice (root.dataset.cfd), else the payload's cfd.view.
  function drawCfd(root, data) {
    var whole = data.cumulative_flow;
    var view = root.dataset.cfd || whole.view || 'all';
    var cfd = view === 'wip' ? whole.wip_only : whole;
    var section = card(root, 'cfd');
    if (section) {
      section.dataset.view = view;
      section.querySelectorAll('[data-cfd]').forEach(function (button) {
        button.setAttribute('aria-pressed', String(button.dataset.cfd === view));
      });
    }
    var colours = stateColours(data.states).slice(0, cfd.states.length);
    var datasets = cfd.states.map(function (state, k) {
      return {
        label: state, data: cfd.lines[k], borderColor: colours[k], borderWidth: 1,
        backgroundColor: alpha(colours[k], 0.85), pointRadius: 0, pointHitRadius: 4,
        fill: k === cfd.states.length - 1 ? 'origin' : '+1', tension: 0, stepped: false
      };
    });
    var longRange = whole.dates.length > 120;
    draw(root, 'cfd', {
      type: 'line',
      data: { labels: whole.dates, datasets: datasets },
      options: base(root, function (points) {
        var index = points[0].dataIndex;
        var lines = [longDate(whole.dates[index])];
        cfd.states.forEach(function (state, k) {
          var next = k + 1 < cfd.states.length ? cfd.lines[k + 1][index] : 0;
          lines.push(state + ': ' + num(cfd.lines[k][index] - next) + ' in it, ' +
            num(cfd.lines[k][index]) + (view === 'wip' ? ' there or later, not delivered' :
              ' reached'));
        });
        return lines;
      }, {
        plugins: { legend: { display: true, position: 'bottom', reverse: false } },
        scales: { x: { ticks: { callback: function (value) {
          return shortDate(whole.dates[value], longRange);
        } } } }
      })
    }, whole.dates.length === 0 || whole.lines.length === 0 ||
      !whole.lines[0][whole.dates.length - 1]);
  }

  function drawScatter(root, data, options) {
    var lead = data.lead_time;
    var pts = lead.points;
    var points = pts.keys.map(function (key, i) {
      return { x: dayOf(pts.delivered[i]), y: pts.calendar_days[i], key: key,
        date: pts.delivered[i], exact: pts.elapsed_days[i] };
    });
    var first = dayOf(data.period.start);
    var last = dayOf(data.period.end);
    var longRange = last - first > 300;
    draw(root, 'scatter', {
      type: 'scatter',
      data: { datasets: [{ label: 'Delivered items', data: points, pointRadius: 3.5,
        pointHoverRadius: 6, backgroundColor: alpha(BLUE, 0.55), borderColor: NAVY,
        borderWidth: 0.5 }] },
      options: base(root, function (hits) {
        var raw = hits[0].raw;
        var keys = itemsAt(hits, 6);
        var lines = [keys.join(', ')];
        lines.push('Delivered ' + longDate(raw.date));
        lines.push('Lead time ' + days(raw.y) + ' (' + num(raw.exact, 1) + ' elapsed)');
        if (keys.length > 1) { lines.push(hits.length + ' items here'); }
        return lines;
      }, {
        interaction: { mode: 'point', intersect: true },
        onClick: openItem(options),
        onHover: pointer,
        scales: {
          x: { type: 'linear', min: first - 0.5, max: last + 0.5,
            ticks: { callback: function (value) {
              return Number.isInteger(value) ? shortDate(isoOf(value), longRange) : '';
            } } },
          y: { title: { display: true, text: 'calendar days', color: MUTED } }
        },
        plugins: { fdMarks: { y: percentileMarks(lead.percentiles, ['50', '85', '95']) } }
      })
    }, points.length === 0);
  }

  function drawHistogram(root, data) {
    var hist = data.lead_time.histogram;
    var total = hist.items.reduce(function (a, b) { return a + b; }, 0);
    var p = data.lead_time.percentiles;
    draw(root, 'histogram', {
      type: 'bar',
      data: { labels: hist.days, datasets: [{ label: 'Items', data: hist.items,
        backgroundColor: alpha(BLUE, 0.8), borderRadius: 2, barPercentage: 1,
        categoryPercentage: 0.9 }] },
      options: base(root, function (points) {
        var index = points[0].dataIndex;
        var count = hist.items[index];
        return [days(hist.days[index]), plural(count, 'item') + ' (' +
          pct(total ? count / total : 0) + ')'];
      }, {
        scales: {
          x: { title: { display: true, text: 'calendar days', color: MUTED } },
          y: { title: { display: true, text: 'items', color: MUTED } }
        },
        plugins: { fdMarks: { x: percentileMarks(p, ['50', '85', '95'], function (v) {
          return v - 1;  // category index: day 1 is the first bar
        }) } }
      })
    }, total === 0);
  }

  function drawThroughput(root, data, per) {
    var run = data.throughput;
    var weekly = per === 'week';
    var labels = weekly ? run.week_starts : run.dates;
    var values = weekly ? run.weekly : run.daily;
    var mean = run.per_day === null ? null : (weekly ? run.per_day * 7 : run.per_day);
    var longRange = run.dates.length > 300;
    var section = card(root, 'throughput');
    if (section) {
      section.querySelectorAll('[data-per]').forEach(function (button) {
        button.setAttribute('aria-pressed', String(button.dataset.per === per));
      });
    }
    draw(root, 'throughput', {
      type: 'bar',
      data: { labels: labels, datasets: [{ label: 'Delivered', data: values,
        backgroundColor: alpha(GOOD, 0.75), borderRadius: 2, barPercentage: 1,
        categoryPercentage: weekly ? 0.8 : 0.95 }] },
      options: base(root, function (points) {
        var index = points[0].dataIndex;
        var lines = [(weekly ? 'Week of ' : '') + longDate(labels[index]),
          plural(values[index], 'item') + ' delivered'];
        if (weekly && run.days_in_week[index] < 7) {
          lines.push('only ' + run.days_in_week[index] + ' of its days are in the period');
        }
        if (!weekly) { lines.push('WIP at the end of the day: ' + num(run.wip[index])); }
        return lines;
      }, {
        scales: { x: { ticks: { callback: function (value) {
          return shortDate(labels[value], longRange);
        } } } },
        plugins: { fdMarks: { y: mean === null ? [] : [{ value: mean, colour: NAVY,
          label: 'average ' + num(mean, 1) + (weekly ? ' per week' : ' per day') }] } }
      })
    }, labels.length === 0);
  }

  function drawAging(root, data, options) {
    var aging = data.aging_wip;
    var items = aging.items;
    var column = {};
    aging.states.forEach(function (state, i) { column[state] = i; });
    var seen = {};
    var points = items.keys.map(function (key, i) {
      var state = items.states[i];
      var rank = seen[state] = (seen[state] || 0) + 1;
      // Spread the dots of one state across its column, the same way on every draw.
      var spread = ((rank * 0.6180339887) % 1 - 0.5) * 0.7;
      return { x: column[state] + spread, y: items.age_days[i], key: key, state: state,
        band: items.band[i], blocked: items.blocked[i] };
    });
    var b = aging.bands;
    var top = Math.max.apply(null, [1].concat(items.age_days, [b['95'] || 0]));
    var zones = [];
    var edges = [[0, b['50'], 'rgba(22,128,60,.10)'], [b['50'], b['70'], 'rgba(183,121,31,.10)'],
      [b['70'], b['85'], 'rgba(194,65,12,.12)'], [b['85'], b['95'], 'rgba(180,35,24,.14)'],
      [b['95'], 1e9, 'rgba(180,35,24,.24)']];
    edges.forEach(function (edge) {
      if (edge[0] !== null && edge[1] !== null) {
        zones.push({ from: edge[0], to: edge[1], colour: edge[2] });
      }
    });
    var lines = percentileMarks(b, ['50', '70', '85', '95']);
    var bandWords = { 50: 'within the 50th percentile', 70: 'past the 50th percentile',
      85: 'past the 70th percentile', 95: 'past the 85th percentile',
      0: 'older than 95% of delivered items' };
    draw(root, 'aging', {
      type: 'scatter',
      data: { datasets: [{ label: 'Items in progress', data: points,
        pointRadius: points.map(function (p) { return p.blocked ? 6 : 5; }),
        pointHoverRadius: 8,
        pointStyle: points.map(function (p) { return p.blocked ? 'rect' : 'circle'; }),
        backgroundColor: points.map(function (p) {
          return p.blocked ? alpha(BAD, 0.85) : alpha(NAVY, 0.75);
        }),
        borderColor: '#ffffff', borderWidth: 1 }] },
      options: base(root, function (hits) {
        var raw = hits[0].raw;
        var keys = itemsAt(hits, 6);
        var out = [keys.join(', '), raw.state + ', ' + days(raw.y) + ' old'];
        out.push(bandWords[raw.band] || '');
        if (raw.blocked) { out.push('blocked now'); }
        return out.filter(Boolean);
      }, {
        interaction: { mode: 'point', intersect: true },
        onClick: openItem(options),
        onHover: pointer,
        scales: {
          x: { type: 'linear', min: -0.5, max: Math.max(aging.states.length - 0.5, 0.5),
            grid: { display: false },
            // One tick per state column, named by the state.
            afterBuildTicks: function (axis) {
              axis.ticks = aging.states.map(function (state, i) { return { value: i }; });
            },
            ticks: { autoSkip: false, callback: function (value) {
              return aging.states[value] || '';
            } } },
          y: { min: 0, suggestedMax: top * 1.1 + 1,
            title: { display: true, text: 'age in calendar days', color: MUTED } }
        },
        plugins: { fdMarks: { zones: zones, y: lines } }
      })
    }, points.length === 0);
  }

  function drawBlockers(root, data) {
    var bars = data.blockers.categories;
    draw(root, 'blockers', {
      type: 'bar',
      data: {
        labels: bars.map(function (bar) { return bar.category; }),
        datasets: [
          { type: 'bar', label: 'Blocked days', data: bars.map(function (bar) {
            return bar.blocked_days; }), backgroundColor: alpha(BAD, 0.75), borderRadius: 2,
            yAxisID: 'y', order: 2 },
          { type: 'line', label: 'Cumulative share', data: bars.map(function (bar) {
            return bar.cumulative_share === null ? null : 100 * bar.cumulative_share; }),
            borderColor: NAVY, backgroundColor: NAVY, pointRadius: 3, yAxisID: 'share',
            order: 1 }
        ]
      },
      options: base(root, function (points) {
        var bar = bars[points[0].dataIndex];
        return [bar.category, days(bar.blocked_days) + ' blocked in ' + plural(bar.count, 'block'),
          'median ' + days(bar.median_days) + ' each',
          bar.open ? bar.open + ' still open' : 'none still open',
          pct(bar.cumulative_share) + ' of all blocked days so far'];
      }, {
        scales: {
          x: { ticks: { autoSkip: false, maxRotation: 35 } },
          y: { title: { display: true, text: 'blocked days', color: MUTED },
            ticks: { precision: 1 } },
          share: { position: 'right', min: 0, max: 100, grid: { display: false },
            ticks: { color: MUTED, callback: function (v) { return v + '%'; } } }
        }
      })
    }, bars.length === 0);
  }

  function drawEfficiency(root, data) {
    var eff = data.flow_efficiency;
    var total = eff.counts.reduce(function (a, b) { return a + b; }, 0);
    draw(root, 'efficiency', {
      type: 'bar',
      data: { labels: eff.bins, datasets: [{ label: 'Items', data: eff.counts,
        backgroundColor: alpha(BLUE, 0.75), borderRadius: 2, barPercentage: 1,
        categoryPercentage: 0.92 }] },
      options: base(root, function (points) {
        var index = points[0].dataIndex;
        return [eff.bins[index] + ' efficient',
          plural(eff.counts[index], 'item') + ' (' + pct(total ? eff.counts[index] / total : 0) +
          ')'];
      }, {
        scales: { y: { title: { display: true, text: 'items', color: MUTED } } },
        plugins: { fdMarks: { x: eff.overall === null ? [] : [{ fraction: eff.overall,
          colour: NAVY, label: 'overall ' + pct(eff.overall) }] } }
      })
    }, total === 0);
  }

  function drawSle(root, data) {
    // Attainment per week against the configured targets, never the period's percentile.
    var sle = data.summary.service_level;
    var rows = sle && sle.targets.length ? sle.attainment_weekly : [];
    var goal = sle && sle.target_share !== null ? 100 * sle.target_share : null;
    var section = card(root, 'sle');
    if (section) {
      section.querySelector('[data-sle-text]').textContent = sle && sle.targets.length ?
        '(' + sle.targets.map(function (t) { return t.text; }).join('; ') + ')' :
        '(no target set' + (sle && sle.suggestion ? '; suggestion from this period: ' +
          sle.suggestion.text : '') + ')';
    }
    var longRange = rows.length > 40;
    draw(root, 'sle', {
      type: 'bar',
      data: { labels: rows.map(function (r) { return r.week_start; }),
        datasets: [{ label: 'Met', data: rows.map(function (r) {
          return r.share === null ? null : 100 * r.share; }),
        backgroundColor: rows.map(function (r) {
          return r.share !== null && goal !== null && 100 * r.share >= goal ?
            alpha(GOOD, 0.75) : alpha(BAD, 0.7);
        }), borderRadius: 2 }] },
      options: base(root, function (points) {
        var r = rows[points[0].dataIndex];
        return ['Week of ' + longDate(r.week_start),
          r.delivered ? num(r.within) + ' of ' + plural(r.delivered, 'item') +
            ' met their target (' + pct(r.share) + ')' : 'nothing delivered'];
      }, {
        scales: {
          x: { ticks: { callback: function (value) {
            return shortDate(rows[value].week_start, longRange);
          } } },
          y: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } } }
        },
        plugins: { fdMarks: { y: goal !== null ? [{ value: goal, colour: NAVY,
          label: 'target ' + num(goal) + '%' }] : [] } }
      })
    }, rows.length === 0);
  }

  function drawHowMany(root, data) {
    var f = data.forecast;
    var many = f.how_many;
    var sparse = dense(many.histogram.items, many.histogram.trials);
    var hist = { items: sparse.values, trials: sparse.counts };
    var section = card(root, 'how_many');
    var answer = '';
    if (section) {
      fill(section, '[data-trials]', num(f.trials));
      fill(section, '[data-window]', 'the ' + plural(f.window.days, 'day') + ' from ' +
        longDate(f.window.start) + ' to ' + longDate(f.window.end) + ' (' +
        plural(f.window.delivered, 'item') + ' delivered)');
      fill(section, '[data-how-many-days]', 'the ' + plural(many.days, 'day') + ' from ' +
        longDate(f.start) + ' to ' + longDate(many.end));
      answer = ['50', '85', '95'].map(function (p) {
        return p + '% chance of at least ' + num(many.at_least[p]);
      }).join(' · ');
      fill(section, '[data-answer]', answer);
    }
    var index = {};
    hist.items.forEach(function (value, i) { index[value] = i; });
    draw(root, 'how_many', {
      type: 'bar',
      data: { labels: hist.items, datasets: [{ label: 'Trials', data: hist.trials,
        backgroundColor: alpha(NAVY, 0.7), borderRadius: 2, barPercentage: 1,
        categoryPercentage: 0.9 }] },
      options: base(root, function (points) {
        var i = points[0].dataIndex;
        var atLeast = hist.trials.slice(i).reduce(function (a, b) { return a + b; }, 0);
        return [plural(hist.items[i], 'item'), pct(hist.trials[i] / f.trials) + ' of futures',
          pct(atLeast / f.trials) + ' chance of at least ' + num(hist.items[i])];
      }, {
        scales: { x: { title: { display: true, text: 'items delivered', color: MUTED } },
          y: { ticks: { callback: function (v) { return pctTick(v / f.trials); } } } },
        plugins: { fdMarks: { x: percentileMarks(many.at_least, ['50', '85', '95'],
          function (n) { return index[n]; }, function (n) { return '≥ ' + num(n); }) } }
      })
    }, hist.items.length === 0);
  }

  function drawWhen(root, data) {
    var f = data.forecast;
    var when = f.when;
    var section = card(root, 'when');
    if (section) {
      fill(section, '[data-when-count]', when ? num(when.count) : 'N');
      fill(section, '[data-answer]', when ? ['50', '85', '95'].map(function (p) {
        return p + '%: on or before ' + longDate(when.on_or_before[p]);
      }).join(' · ') : '');
    }
    var hist = { days: [], dates: [], trials: [] };
    if (when) {
      var filled = dense(when.histogram.days, when.histogram.trials);
      var startDay = dayOf(f.start);
      hist = { days: filled.values, trials: filled.counts, dates: filled.values.map(function (d) {
        return isoOf(startDay + d - 1);
      }) };
    }
    var index = {};
    hist.days.forEach(function (value, i) { index[value] = i; });
    var longRange = hist.days.length > 120;
    draw(root, 'when', {
      type: 'bar',
      data: { labels: hist.dates, datasets: [{ label: 'Trials', data: hist.trials,
        backgroundColor: alpha(BLUE, 0.75), borderRadius: 2, barPercentage: 1,
        categoryPercentage: 0.9 }] },
      options: base(root, function (points) {
        var i = points[0].dataIndex;
        var by = hist.trials.slice(0, i + 1).reduce(function (a, b) { return a + b; }, 0);
        return [longDate(hist.dates[i]) + ' (day ' + hist.days[i] + ')',
          pct(hist.trials[i] / f.trials) + ' of futures finish that day',
          pct(by / f.trials) + ' chance of being done by then'];
      }, {
        scales: { x: { ticks: { callback: function (value) {
          return shortDate(hist.dates[value], longRange);
        } } }, y: { ticks: { callback: function (v) { return pctTick(v / f.trials); } } } },
        plugins: { fdMarks: { x: when ? percentileMarks(when.days, ['50', '85', '95'],
          function (d) { return index[d]; },
          function (d) { return shortDate(hist.dates[index[d]]); }) : [] } }
      })
    }, !when || hist.days.length === 0);
  }

  window.FlowdeskCharts = {
    cfd: drawCfd, scatter: drawScatter, histogram: drawHistogram, throughput: drawThroughput,
    aging: drawAging, blockers: drawBlockers, efficiency: drawEfficiency, sle: drawSle,
    howMany: drawHowMany, when: drawWhen
  };
}());
