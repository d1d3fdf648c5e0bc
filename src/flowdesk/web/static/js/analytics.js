/* Flowdesk flow analytics: the headline numbers and every chart, drawn with Chart.js from the
   chart payload (GET /api/v1/services/{key}/metrics/charts). The analytics page fetches it and
   keeps its filters in the URL; the offline report embeds it in
   <script type="application/json" id="analytics-data">. The page and the report run the same
   three files: chartkit.js, flowcharts.js and this one. */
(function () {
  'use strict';

  var K = window.FlowdeskChartKit;
  var C = window.FlowdeskCharts;
  var num = K.num, pct = K.pct, days = K.days, plural = K.plural, longDate = K.longDate;
  var fill = K.fill;

  // ---- headline numbers --------------------------------------------------------------------


  function stat(root, name, value, sub) {
    var tile = root.querySelector('[data-stat="' + name + '"]');
    if (!tile) { return; }
    fill(tile, '[data-value]', value);
    fill(tile, '[data-sub]', sub || '');
  }

  function percentiles(lead) {
    return '50%: ' + num(lead['50']) + ' · 70%: ' + num(lead['70']) + ' · 95%: ' + num(lead['95']);
  }

  // The customer-value headline: the promise, customer lead time, first-time fix and failure
  // demand (summary.headline; promise_attainment is the service level's for now).
  function drawCustomerHeadline(root, s) {
    var head = s.headline;
    if (!head) { return; }
    var promise = head.promise_attainment;
    stat(root, 'promise', pct(promise.share), promise.delivered ?
      num(promise.within) + ' of ' + plural(promise.delivered, 'item') + ' within ' +
      days(promise.days) : 'nothing delivered');
    var customer = s.customer_lead_time.calendar_days;
    stat(root, 'customer_lead_time', customer['85'] === null ? '–' : '≤ ' + days(customer['85']),
      percentiles(customer) + ' · from arrival');
    var fix = s.first_time_fix;
    stat(root, 'first_time_fix', pct(fix.rate), num(fix.fixed) + ' of ' +
      plural(fix.delivered, 'item') + ' · ' + num(fix.reopened) + ' reopened · window ' +
      plural(fix.window_days, 'day'));
    var failure = s.failure_demand;
    stat(root, 'failure_demand', pct(failure.share), num(failure.failure) + ' of ' +
      plural(failure.arrived, 'arrival') + Object.keys(failure.by_kind).map(function (k) {
        return ' · ' + k + ' ' + num(failure.by_kind[k]);
      }).join(''));
  }

  function drawCustomerValue(root, s) {
    var section = root.querySelector('[data-table="customer-value"]');
    if (!section || !s.customer_value_by) { return; }
    var body = section.querySelector('tbody');
    body.textContent = '';
    var labels = { class_of_service: 'Class', customer: 'Customer' };
    var count = 0;
    Object.keys(s.customer_value_by).forEach(function (name) {
      s.customer_value_by[name].forEach(function (row) {
        var tr = document.createElement('tr');
        [labels[name] + ': ' + row.value, num(row.first_time_fix.delivered),
          pct(row.first_time_fix.rate), num(row.failure_demand.arrived),
          pct(row.failure_demand.share)].forEach(function (text, i) {
          var cell = document.createElement(i === 0 ? 'th' : 'td');
          if (i === 0) { cell.scope = 'row'; }
          cell.textContent = text;
          tr.append(cell);
        });
        body.append(tr);
        count += 1;
      });
    });
    var empty = section.querySelector('[data-empty]');
    if (empty) { empty.hidden = count > 0; }
  }

  function drawHeadline(root, data) {
    var s = data.summary;
    var lead = s.lead_time_calendar_days;
    drawCustomerHeadline(root, s);
    drawCustomerValue(root, s);
    stat(root, 'delivered', num(s.delivered_count), 'in ' + plural(s.period.days, 'day'));
    stat(root, 'lead_time', lead['85'] === null ? '–' : '≤ ' + days(lead['85']),
      percentiles(lead) + ' · from commitment');
    stat(root, 'throughput', num(s.throughput.per_day, 2) + ' / day',
      num(s.throughput.per_day === null ? null : s.throughput.per_day * 7, 1) + ' per week · ' +
      num(s.throughput.total) + ' in all');
    stat(root, 'wip', num(s.wip.end_of_period), 'mean ' + num(s.wip.mean, 1) + ' · most ' +
      num(s.wip.max));
    stat(root, 'aging', num(s.aging_wip.above_85th_percentile), 'of ' +
      plural(s.aging_wip.count, 'item') + ' in progress' + (s.aging_wip.oldest_days ?
        ' · oldest ' + days(s.aging_wip.oldest_days) : ''));
    stat(root, 'efficiency', pct(s.flow_efficiency.overall), 'median item ' +
      pct(s.flow_efficiency.median_item) + ' · ' + plural(s.flow_efficiency.items, 'item'));
    // Attainment is measured against the configured targets (agreements, the service's
    // own); the period's own percentile is only a suggestion.
    var sle = s.service_level;
    var suggestion = sle && sle.suggestion ? 'suggestion from this period: ' +
      sle.suggestion.text : '';
    if (sle && sle.targets.length) {
      var verdict = sle.met === null ? '' : (sle.met ? ' · target met' : ' · target not met');
      stat(root, 'sle', pct(sle.attainment), sle.targets.map(function (t) {
        return 'target ' + t.text + ': ' + pct(t.attainment) +
          (t.met === null ? '' : (t.met ? ' (met)' : ' (not met)'));
      }).join(' · ') + verdict + (suggestion ? ' · ' + suggestion : ''));
    } else {
      stat(root, 'sle', '–', 'no target set' + (suggestion ? ' · ' + suggestion : ''));
    }
    var blocked = s.blocked_days_by_category;
    var names = Object.keys(blocked).sort(function (a, b) {
      return blocked[b].blocked_days - blocked[a].blocked_days;
    });
    var totalBlocked = names.reduce(function (sum, n) { return sum + blocked[n].blocked_days; }, 0);
    stat(root, 'blocked', num(totalBlocked, 0), names.length ? names.slice(0, 2).map(function (n) {
      return n + ' ' + num(blocked[n].blocked_days, 0);
    }).join(' · ') + (names.length > 2 ? ' · …' : '') : 'no blocks started');
    var period = root.querySelector('[data-period]');
    if (period) {
      var filters = Object.keys(data.where).map(function (k) {
        return k.replace(/_/g, ' ') + ' = ' + data.where[k];
      });
      period.textContent = longDate(data.period.start) + ' to ' + longDate(data.period.end) +
        ' · ' + plural(data.period.days, 'day') + ' · ' +
        (filters.length ? filters.join(', ') : 'all items') + ' · time zone ' +
        (data.period.timezone_label || data.period.timezone) + ' · as of ' +
          (data.period.as_of_local ? data.period.as_of_local.slice(0, 16).replace('T', ' ') +
          ' (' + (data.period.timezone_label || data.period.timezone) + ')' :
          data.period.as_of.slice(0, 16).replace('T', ' ') + ' UTC');
    }
  }

  // ---- everything ----------------------------------------------------------------------------

  function render(root, data, options) {
    options = options || {};
    root.dataset.per = root.dataset.per || 'week';
    drawHeadline(root, data);
    C.cfd(root, data);
    C.scatter(root, data, options);
    C.histogram(root, data);
    C.throughput(root, data, root.dataset.per);
    C.aging(root, data, options);
    C.blockers(root, data);
    C.efficiency(root, data);
    C.sle(root, data);
    C.howMany(root, data);
    C.when(root, data);
    if (window.FlowdeskDemandCharts) { window.FlowdeskDemandCharts.draw(root, data); }
    var cfdCard = K.card(root, 'cfd');
    if (cfdCard && !cfdCard.dataset.wired) {
      cfdCard.dataset.wired = '1';
      cfdCard.querySelectorAll('[data-cfd]').forEach(function (button) {
        button.addEventListener('click', function () {
          root.dataset.cfd = button.dataset.cfd;
          C.cfd(root, root.analyticsData);
        });
      });
    }
    var section = K.card(root, 'throughput');
    if (section && !section.dataset.wired) {
      section.dataset.wired = '1';
      section.querySelectorAll('[data-per]').forEach(function (button) {
        button.addEventListener('click', function () {
          root.dataset.per = button.dataset.per;
          C.throughput(root, root.analyticsData, root.dataset.per);
        });
      });
    }
    root.analyticsData = data;
    root.dataset.drawn = String(Number(root.dataset.drawn || 0) + 1);
  }

  // ---- the page: filters kept in the URL, data from the charts API --------------------------

  var FIELDS = ['from', 'to', 'type', 'class_of_service', 'customer'];

  function formParams(form) {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) { params.set(name, field.value); }
    });
    return params;
  }

  function setChoices(form, data) {
    ['type', 'customer'].forEach(function (name) {
      var select = form.elements[name];
      var values = (data.filters || {})[name];
      if (!select || !values) { return; }
      var current = select.value;
      var have = {};
      Array.prototype.forEach.call(select.options, function (o) { have[o.value] = true; });
      values.forEach(function (value) {
        if (have[value]) { return; }
        var option = document.createElement('option');
        option.value = value;
        option.textContent = value;
        select.append(option);
      });
      select.value = current;
    });
  }

  function page(root) {
    var form = document.getElementById('analytics-filters');
    var status = document.querySelector('[data-status]');
    var options = { itemUrl: root.dataset.itemUrl };
    var request = 0;

    function say(text, tone) {
      if (!status) { return; }
      status.textContent = text;
      status.dataset.tone = tone || '';
    }

    function load() {
      var params = form ? formParams(form) : new URLSearchParams(window.location.search);
      var mine = ++request;
      root.setAttribute('aria-busy', 'true');
      say('Loading…');
      if (form) {
        Array.prototype.forEach.call(form.elements, function (el) {
          el.removeAttribute('aria-invalid');
        });
      }
      fetch(root.dataset.api + (params.toString() ? '?' + params : ''), {
        headers: { Accept: 'application/json' }, credentials: 'same-origin'
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (mine !== request) { return; }
        root.removeAttribute('aria-busy');
        if (!result.ok) {
          var field = form && result.body.field ? form.elements[result.body.field] : null;
          if (field) { field.setAttribute('aria-invalid', 'true'); }
          say(result.body.message || 'The charts could not be loaded.', 'error');
          return;
        }
        say('');
        if (form) { setChoices(form, result.body); }
        render(root, result.body, options);
      }).catch(function () {
        if (mine !== request) { return; }
        root.removeAttribute('aria-busy');
        say('Could not reach Flowdesk. Check the connection and try again.', 'error');
      });
    }

    if (form) {
      form.addEventListener('change', function () {
        var query = formParams(form).toString();
        window.history.pushState(null, '', window.location.pathname + (query ? '?' + query : ''));
        load();
      });
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        form.dispatchEvent(new Event('change'));
      });
      window.addEventListener('popstate', function () {
        var params = new URLSearchParams(window.location.search);
        FIELDS.forEach(function (name) {
          if (form.elements[name]) { form.elements[name].value = params.get(name) || ''; }
        });
        load();
      });
    }
    load();
  }

  function boot() {
    var root = document.getElementById('analytics');
    if (!root || !window.Chart) { return; }
    var embedded = document.getElementById('analytics-data');
    if (embedded) {
      render(root, JSON.parse(embedded.textContent), { itemUrl: root.dataset.itemUrl || '' });
    } else if (root.dataset.api) {
      page(root);
    }
  }

  window.FlowdeskAnalytics = { render: render, charts: K.charts };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot);
  } else {
    boot();
  }
}());

