/* Flowdesk demand charts: arrivals by weekday x hour (a heat map, drawn as a table), arrivals
   against throughput per day, and the work mix by type and by customer. They draw from the
   chart payload's `demand` part, on the analytics page and in the offline report. */
(function () {
  'use strict';

  var K = window.FlowdeskChartKit;
  var NAVY = K.NAVY, GOOD = K.GOOD, BAD = K.BAD, num = K.num, plural = K.plural,
    shortDate = K.shortDate, longDate = K.longDate, alpha = K.alpha, base = K.base,
    card = K.card, draw = K.draw;

  function drawHeatmap(root, data) {
    var section = card(root, 'demand-heatmap');
    if (!section) { return; }
    var heat = data.demand.heatmap;
    var table = section.querySelector('table');
    var empty = section.querySelector('[data-empty]');
    var most = 0;
    heat.per_day.forEach(function (row) { row.forEach(function (v) { most = Math.max(most, v); }); });
    if (empty) { empty.hidden = most > 0; }
    table.hidden = most === 0;
    table.replaceChildren();
    var head = table.createTHead().insertRow();
    head.append(document.createElement('th'));
    heat.hours.forEach(function (h) {
      var th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h % 3 === 0 ? String(h).padStart(2, '0') : '';
      th.title = String(h).padStart(2, '0') + ':00';
      head.append(th);
    });
    var body = table.createTBody();
    heat.weekdays.forEach(function (day, w) {
      var row = body.insertRow();
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = day.slice(0, 3);
      row.append(th);
      heat.per_day[w].forEach(function (value, h) {
        var cell = row.insertCell();
        // Set through the style object: the page's policy refuses style attributes.
        cell.style.backgroundColor = alpha(NAVY, most ? 0.06 + 0.94 * value / most : 0);
        cell.className = value / (most || 1) > 0.55 ? 'hm-dark' : '';
        cell.textContent = value >= 10 ? num(value, 0) : (value >= 0.1 ? num(value, 1) : '');
        cell.title = day + ' ' + String(h).padStart(2, '0') + ':00: ' + num(value, 2) +
          ' a day on average (' + plural(heat.counts[w][h], 'arrival') + ' over ' +
          plural(heat.days[w], day) + ')';
      });
    });
  }

  function drawInflow(root, data) {
    var flows = data.demand.inflow_outflow;
    var longRange = flows.dates.length > 300;
    draw(root, 'demand-inflow', {
      type: 'line',
      data: { labels: flows.dates, datasets: [
        { label: 'Arrived', data: flows.arrived, borderColor: NAVY,
          backgroundColor: alpha(NAVY, 0.15), pointRadius: 0, borderWidth: 1.5, tension: 0.2 },
        { label: 'Delivered', data: flows.delivered, borderColor: GOOD,
          backgroundColor: alpha(GOOD, 0.15), pointRadius: 0, borderWidth: 1.5, tension: 0.2 }
      ] },
      options: base(root, function (points) {
        var i = points[0].dataIndex;
        var net = flows.net[i];
        return [longDate(flows.dates[i]), plural(flows.arrived[i], 'arrival'),
          plural(flows.delivered[i], 'delivery').replace('deliverys', 'deliveries'),
          net > 0 ? 'the queue grew by ' + net : (net < 0 ? 'the queue shrank by ' + -net :
            'arrivals matched deliveries')];
      }, {
        plugins: { legend: { display: true } },
        scales: { x: { ticks: { callback: function (value) {
          return shortDate(flows.dates[value], longRange);
        } } } }
      })
    }, flows.dates.length === 0);
  }

  function drawMix(root, data, attribute) {
    var rows = data.demand.mix[attribute] || [];
    draw(root, 'demand-mix-' + attribute, {
      type: 'bar',
      data: { labels: rows.map(function (r) { return r.value; }), datasets: [
        { label: 'Arrived', data: rows.map(function (r) { return r.arrived; }),
          backgroundColor: alpha(NAVY, 0.75) },
        { label: 'Delivered', data: rows.map(function (r) { return r.delivered; }),
          backgroundColor: alpha(GOOD, 0.75) },
        { label: 'In progress at the end', data: rows.map(function (r) { return r.wip; }),
          backgroundColor: alpha(BAD, 0.6) }
      ] },
      options: base(root, function (points) {
        var r = rows[points[0].dataIndex];
        return [r.value, plural(r.arrived, 'arrived'), plural(r.delivered, 'delivered'),
          num(r.wip) + ' in progress at the end of the period'];
      }, { indexAxis: 'y', plugins: { legend: { display: true } } })
    }, rows.length === 0);
  }

  window.FlowdeskDemandCharts = {
    draw: function (root, data) {
      if (!data.demand) { return; }
      drawHeatmap(root, data);
      drawInflow(root, data);
      drawMix(root, data, 'type');
      drawMix(root, data, 'customer');
    }
  };
}());
