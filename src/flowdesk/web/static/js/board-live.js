/* Flowdesk board, live updates: one Server-Sent Events stream per board. Each message carries a
   sequence number; a message out of turn, a resync event or a reconnect to another server process
   reloads the board (not the page) and carries on from its number. */
(function () {
  'use strict';

  var B = window.FlowdeskBoard;
  var $ = B.$;
  var stream = null;         // the EventSource
  var streamBase = '';
  var epoch = '';
  var lastSeq = 0;
  var resyncing = false;
  var queued = [];           // messages held back during a drag or a resync
  var resyncWanted = false;
  var bannerTimer = null;    // a banner refresh waiting for changes to settle
  var BANNER_WAIT_MS = 5000;

  function setLive(state, text) {
    var badge = document.getElementById('live');
    B.live = state === 'live';
    if (!badge) { return; }
    badge.dataset.state = state;
    $('[data-live-text]', badge).textContent = text;
  }

  /* Listen to the board's stream from the board's cursor. Reconnects only when the stream URL
     (the filters) changed or `force` is set; the browser itself reconnects after a drop. */
  function connect(force) {
    var base = B.board.dataset.stream;
    var cursor = B.parseCursor(B.board.dataset.cursor);
    epoch = cursor.epoch;
    lastSeq = cursor.seq;
    if (stream && base === streamBase && !force) { return; }
    if (stream) { stream.close(); }
    streamBase = base;
    stream = new EventSource(base + (base.indexOf('?') === -1 ? '?' : '&') + 'after=' +
      encodeURIComponent(B.board.dataset.cursor));
    stream.addEventListener('hello', function () { setLive('live', 'Live'); });
    stream.addEventListener('card', function (event) { receive(JSON.parse(event.data)); });
    stream.addEventListener('resync', function (event) { receive(JSON.parse(event.data), true); });
    stream.onerror = function () { setLive('reconnecting', 'Reconnecting…'); };
  }

  function receive(message, isResync) {
    message.isResync = !!isResync;
    if (B.dragging || resyncing) { queued.push(message); return; }
    apply(message);
  }

  function apply(message) {
    if (message.seq <= lastSeq && !message.isResync) { return; }
    if (message.isResync) { lastSeq = Math.max(lastSeq, message.seq); resync(); return; }
    if (message.seq !== lastSeq + 1) { resync(); return; }  // missed one: start again
    lastSeq = message.seq;
    (message.counts || []).forEach(B.setCount);
    if (!B.placeCard(message, { highlight: true })) { resync(); return; }
    bannerSoon();
  }

  /* The demand banner sits above the board: work arriving may raise or settle an alert, and
     an acknowledgement made elsewhere resyncs the board. Fetch it again once changes settle,
     unless someone is typing an acknowledgement in it. */
  function bannerSoon() {
    if (bannerTimer) { window.clearTimeout(bannerTimer); }
    bannerTimer = window.setTimeout(refreshBanner, BANNER_WAIT_MS);
  }

  function refreshBanner() {
    bannerTimer = null;
    var slot = document.getElementById('demand-slot');
    if (!slot || !slot.dataset.bannerUrl) { return; }
    if (slot.contains(document.activeElement) || $('details[open]', slot)) { bannerSoon(); return; }
    fetch(slot.dataset.bannerUrl, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) { throw new Error('banner ' + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (slot.contains(document.activeElement) || $('details[open]', slot)) { bannerSoon(); return; }
        slot.innerHTML = html;
      })
      .catch(function () { /* the next change tries again */ });
  }

  function drain() {
    if (B.dragging || resyncing) { return; }
    if (resyncWanted) { resyncWanted = false; resync(); return; }
    var pending = queued;
    queued = [];
    pending.sort(function (a, b) { return a.seq - b.seq; });
    for (var i = 0; i < pending.length; i += 1) {
      apply(pending[i]);
      if (resyncing) { queued = pending.slice(i + 1).concat(queued); return; }
    }
  }

  /* Reload the board (not the page) and carry on from its sequence number. */
  function resync() {
    if (B.dragging) { resyncWanted = true; return; }
    if (resyncing) { return; }
    resyncing = true;
    var url = B.boardPath() + B.board.dataset.query;
    fetch(url, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) { throw new Error('board ' + response.status); }
        return response.text();
      })
      .then(function (html) {
        swapBoard(html);
        resyncing = false;
        refreshBanner();
        drain();
      })
      .catch(function () {
        resyncing = false;
        setLive('reconnecting', 'Reconnecting…');
        window.setTimeout(resync, 3000);
      });
  }

  function swapBoard(html) {
    var fresh = B.fromHtml(html);
    var scroll = document.getElementById('board-wrap');
    var top = scroll.scrollTop;
    var left = scroll.scrollLeft;
    var oldEpoch = epoch;
    B.board.replaceWith(fresh);
    B.board = fresh;
    scroll.scrollTop = top;
    scroll.scrollLeft = left;
    B.setUpSortables();
    var cursor = B.parseCursor(B.board.dataset.cursor);
    queued = queued.filter(function (m) { return m.seq > cursor.seq; });
    connect(cursor.epoch !== oldEpoch);  // another server process: start its stream afresh
  }

  Object.assign(B, { connect: connect, resync: resync, drain: drain, swapBoard: swapBoard,
                     refreshBanner: refreshBanner });
}());
