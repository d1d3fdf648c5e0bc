/* Flowdesk board: drag and drop, the "Move to…" menu and WIP refusals. Live updates are in
   board-live.js, the detail panel and the filters in board-panel.js; the three share the
   `FlowdeskBoard` object (state and helpers).

   The server decides every rule. This script only asks, shows the answer, and puts a card back
   where it was (visibly) whenever a move does not happen. */
(function () {
  'use strict';

  var Flowdesk = window.Flowdesk;
  var B = window.FlowdeskBoard = {
    board: null,      // the #board element (replaced on resync)
    live: false,      // the live stream is connected
    dragging: false   // a card is in the air: live changes wait
  };
  var sortables = [];

  // ---- small helpers -------------------------------------------------------------------------

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function boardPath() { return '/services/' + B.board.dataset.service + '/board'; }
  function cardEl(key) { return document.getElementById('card-' + key); }
  function laneMode() { return B.board.dataset.lanes; }

  function parseCursor(text) {
    var at = text.lastIndexOf(':');
    return { epoch: text.slice(0, at), seq: Number(text.slice(at + 1)) };
  }

  function fromHtml(html) {
    var template = document.createElement('template');
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function flash(el, cls) {
    if (!el) { return; }
    el.classList.remove(cls);
    void el.offsetWidth; // restart the animation
    el.classList.add(cls);
    window.setTimeout(function () { el.classList.remove(cls); }, 1600);
  }

  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (name) {
      if (fields[name] !== null && fields[name] !== undefined && fields[name] !== '') {
        body.append(name, fields[name]);
      }
    });
    return fetch(url, {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': Flowdesk.csrfToken(), 'Accept': 'application/json' }
    });
  }

  function readJson(response) {
    var type = response.headers.get('content-type') || '';
    if (type.indexOf('application/json') === -1) { return Promise.resolve({}); }
    return response.json().catch(function () { return {}; });
  }

  // ---- column headers --------------------------------------------------------------------------

  function setCount(c) {
    var head = document.getElementById('head-' + c.stage);
    if (!head) { return; }
    head.classList.remove('tone-ok', 'tone-at', 'tone-over');
    head.classList.add('tone-' + c.tone);
    var wip = $('[data-wip]', head);
    wip.textContent = c.text;
    wip.title = c.title;
    wip.setAttribute('aria-label', c.title);
    $('[data-flag]', head).textContent = c.flag;
  }

  // ---- placing a card --------------------------------------------------------------------------

  function cellFor(stage, lane) {
    return B.board.querySelector('.cell[data-stage="' + stage + '"][data-lane="' + CSS.escape(lane) + '"]');
  }

  /* Put the card the server described where it belongs. Returns false when this board cannot
     show it in place (a lane it does not have), so the caller reloads the B.board. */
  function placeCard(payload, options) {
    var existing = cardEl(payload.key);
    if (existing && Number(existing.dataset.version) > payload.version) { return true; }
    if (payload.visible === false || !payload.on_board) {
      if (existing) { existing.remove(); }
      return true;
    }
    var cell = cellFor(payload.stage, payload.lanes[laneMode()]);
    if (!cell) { return false; }
    var fresh = fromHtml(payload.html);
    // Keep the keyboard where it was: a redrawn card gets the focus its old self had.
    var focused = existing && existing.contains(document.activeElement) ? document.activeElement : null;
    var refocus = focused ? (focused.matches('[data-move]') ? '[data-move]' : '.card-title') : null;
    if (existing) { existing.remove(); }
    if (payload.at_top) {
      cell.prepend(fresh);
    } else {
      cell.insertBefore(fresh, firstAfter(cell, Number(payload.rank), Number(payload.id)));
    }
    trimClosed(payload.done_since);
    if (options && options.highlight) { flash(fresh, 'is-updated'); }
    if (refocus) { $(refocus, fresh).focus(); }
    return true;
  }

  /* The first card of a cell (one stage, one lane) that comes after (rank, id) in the board's
     order, or null: the stage's next card may be in another lane, so only this cell counts. */
  function firstAfter(cell, rank, id) {
    var cards = $$('.card', cell);
    for (var i = 0; i < cards.length; i += 1) {
      var r = Number(cards[i].dataset.rank);
      if (r > rank || (r === rank && Number(cards[i].dataset.id) > id)) { return cards[i]; }
    }
    return null;
  }

  function closedAt(card) { return Number(card.dataset.closed || 0); }

  /* Done and discarded columns hold what the server would render: items closed since
     `doneSince` (the server's clock, in ms), at most the board's closed cap, newest first. */
  function trimClosed(doneSince) {
    var cap = Number(B.board.dataset.closedCap);
    $$('.col-head[data-phase="done"], .col-head[data-phase="discarded"]', B.board).forEach(function (head) {
      var cards = $$('.cell[data-stage="' + head.dataset.stage + '"] .card', B.board);
      cards.sort(function (a, b) {
        return closedAt(b) - closedAt(a) || Number(b.dataset.id) - Number(a.dataset.id);
      });
      cards.forEach(function (card, i) {
        if ((cap && i >= cap) || (doneSince && closedAt(card) < doneSince)) { card.remove(); }
      });
    });
  }

  function revert(card, origin, why) {
    if (!card.isConnected) {  // a live update already redrew it where it really is
      if (why) { Flowdesk.toast(why, 'error'); }
      return;
    }
    if (origin.next && origin.next.parentNode === origin.parent) {
      origin.parent.insertBefore(card, origin.next);
    } else {
      origin.parent.appendChild(card);
    }
    card.classList.remove('is-pending');
    flash(card, 'is-returned');
    if (why) { Flowdesk.toast(why, 'error'); }
  }

  function originOf(card) {
    var next = card.nextElementSibling;
    while (next && !next.classList.contains('card')) { next = next.nextElementSibling; }
    return { parent: card.parentNode, next: next };
  }

  function nextCardKey(card) {
    var next = card.nextElementSibling;
    while (next && (!next.classList.contains('card') || next === card)) { next = next.nextElementSibling; }
    return next ? next.dataset.key : '';
  }

  // ---- moving ----------------------------------------------------------------------------------

  /* Ask the server to move `card` (already shown at its new place) to `stage`, in front of
     `before`. On refusal or failure the card goes back to `origin`, and the person is told. */
  function moveCard(card, stage, before, origin, extra) {
    var key = card.dataset.key;
    card.classList.add('is-pending');
    var fields = { to_stage: stage, before: before, version: card.dataset.version };
    Object.assign(fields, extra || {});
    return post('/items/' + encodeURIComponent(key) + '/move', fields).then(function (response) {
      return readJson(response).then(function (body) {
        if (response.ok) {
          card.classList.remove('is-pending');
          if (!B.live) { (body.counts || []).forEach(setCount); }
          if (!placeCard(Object.assign({ visible: true }, body), {})) { B.resync(); }
          return;
        }
        revert(card, origin, null);
        refused(card, stage, before, origin, response.status, body);
      });
    }, function () {
      revert(card, origin, 'Could not reach Flowdesk, so ' + key +
        ' was put back where it was. Check the connection and try again.');
    });
  }

  function refused(card, stage, before, origin, status, body) {
    var key = card.dataset.key;
    if (status === 409 && body.error === 'wip_limit') {
      askReason({
        title: key + ' was not moved: WIP limit',
        lines: (body.violations || []).map(function (v) { return v.message; }),
        offer: 'Pull anyway',
        label: 'Why pull past the limit? The reason is kept in the card\'s history.',
        confirm: 'Move with this reason',
        done: function (reason) {
          var target = cellFor(stage, origin.parent.dataset.lane) || origin.parent;
          var from = originOf(card);
          target.appendChild(card);
          moveCard(card, stage, before, from, { override_reason: reason });
        }
      });
    } else if (status === 422 && body.field === 'reason') {
      askReason({
        title: key + ' needs a reason',
        lines: [body.message],
        offer: null,
        label: 'Reason',
        confirm: 'Move with this reason',
        done: function (reason) {
          var target = cellFor(stage, origin.parent.dataset.lane) || origin.parent;
          var from = originOf(card);
          target.appendChild(card);
          moveCard(card, stage, before, from, { reason: reason });
        }
      });
    } else if (status === 412) {
      Flowdesk.toast(key + ' changed since this board was loaded, so it was put back. ' +
        'The board has been refreshed; try again.', 'error');
      B.resync();
    } else {
      Flowdesk.toast(key + ' was put back: ' + (body.message || ('the server answered ' + status + '.')),
        'error');
    }
  }

  // ---- the refusal / reason dialog -------------------------------------------------------------

  function askReason(spec) {
    var dialog = document.getElementById('refusal');
    var opener = document.activeElement;
    $('[data-refusal-title]', dialog).textContent = spec.title;
    var message = $('[data-refusal-message]', dialog);
    message.replaceChildren();
    var list = document.createElement('ul');
    spec.lines.forEach(function (line) {
      var li = document.createElement('li');
      li.textContent = line;
      list.append(li);
    });
    message.append(list);
    var override = $('[data-override]', dialog);
    var reason = $('[data-reason]', dialog);
    var error = $('[data-reason-error]', dialog);
    var offer = $('[data-pull-anyway]', dialog);
    var confirm = $('[data-confirm]', dialog);
    $('[data-reason-label]', dialog).textContent = spec.label;
    reason.value = '';
    error.hidden = true;
    confirm.textContent = spec.confirm;
    override.hidden = !!spec.offer;
    confirm.hidden = !!spec.offer;
    offer.hidden = !spec.offer;
    if (spec.offer) { offer.textContent = spec.offer; }

    function reveal() {
      override.hidden = false;
      confirm.hidden = false;
      offer.hidden = true;
      reason.focus();
    }
    function submit() {
      var text = reason.value.trim();
      if (!text) { error.hidden = false; reason.focus(); return; }
      dialog.close();
      spec.done(text);
    }
    offer.onclick = reveal;
    confirm.onclick = submit;
    reason.onkeydown = function (event) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { submit(); }
    };
    dialog.onclose = function () { if (opener && opener.focus) { opener.focus(); } };
    dialog.showModal();
    (spec.offer ? offer : reason).focus();
  }

  // ---- the keyboard "Move to…" menu ------------------------------------------------------------

  function openMoveMenu(card) {
    var dialog = document.getElementById('move-menu');
    var options = $('[data-move-options]', dialog);
    var key = card.dataset.key;
    var here = card.parentNode;
    $('[data-move-key]', dialog).textContent = key;
    options.replaceChildren();

    function option(label, detail, disabled, action) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'move-option';
      var name = document.createElement('span');
      name.textContent = label;
      button.append(name);
      if (detail) {
        var small = document.createElement('span');
        small.className = 'move-detail';
        small.textContent = detail;
        button.append(small);
      }
      button.disabled = disabled;
      button.addEventListener('click', function () {
        dialog.close();
        action();
      });
      options.append(button);
    }

    var cards = $$('.card', here);
    var index = cards.indexOf(card);
    if (index > 0) {
      option('Up one', 'reorder within ' + stageName(here.dataset.stage), false, function () {
        var origin = originOf(card);
        here.insertBefore(card, cards[index - 1]);
        moveCard(card, here.dataset.stage, cards[index - 1].dataset.key, origin);
      });
    }
    if (index >= 0 && index < cards.length - 1) {
      option('Down one', 'reorder within ' + stageName(here.dataset.stage), false, function () {
        var origin = originOf(card);
        var after = cards[index + 2] || null;
        here.insertBefore(card, after);
        moveCard(card, here.dataset.stage, after ? after.dataset.key : '', origin);
      });
    }
    $$('.col-head', B.board).forEach(function (head) {
      var stage = head.dataset.stage;
      var current = stage === here.dataset.stage;
      var wip = $('[data-wip]', head);
      var flag = $('[data-flag]', head).textContent;
      var detail = (current ? 'here now · ' : '') + wip.textContent + (flag ? ' · ' + flag : '');
      var allowed = mayEnter(stage, here.dataset.stage);
      if (!allowed) { detail = deliveryNote(); }
      option(head.dataset.name, detail, current || !allowed, function () {
        var origin = originOf(card);
        var target = cellFor(stage, here.dataset.lane);
        if (!target) { return; }
        target.appendChild(card);
        moveCard(card, stage, '', origin).then(function () {
          var moved = cardEl(key);
          var button = moved && $('[data-move]', moved);
          if (button) { button.focus(); }
        });
      });
    });
    dialog.onclose = function () {
      var still = cardEl(key);
      var button = still && $('[data-move]', still);
      if (button && !document.querySelector('dialog[open]')) { button.focus(); }
    };
    dialog.showModal();
    var first = $('.move-option:not([disabled])', options);
    if (first) { first.focus(); }
  }

  function stageName(stage) {
    var head = document.getElementById('head-' + stage);
    return head ? head.dataset.name : 'this stage';
  }

  function menuKeys(event) {
    var dialog = document.getElementById('move-menu');
    if (!dialog || !dialog.open || ['ArrowDown', 'ArrowUp', 'Home', 'End'].indexOf(event.key) === -1) { return; }
    var buttons = $$('.move-option:not([disabled])', dialog);
    if (!buttons.length) { return; }
    var at = buttons.indexOf(document.activeElement);
    var next = event.key === 'Home' ? 0
      : event.key === 'End' ? buttons.length - 1
      : event.key === 'ArrowDown' ? (at + 1) % buttons.length
      : (at - 1 + buttons.length) % buttons.length;
    buttons[next].focus();
    event.preventDefault();
  }

  // ---- drag and drop ---------------------------------------------------------------------------

  // Work is delivered (moved into a done stage) only from the stage the server names in
  // data-deliver-from, unless the board has none: the server refuses the rest anyway, so the
  // board does not offer it.
  function mayEnter(stage, from) {
    var head = document.getElementById('head-' + stage);
    var only = B.board.dataset.deliverFrom;
    return !(only && head && head.dataset.phase === 'done' && from !== only && from !== stage);
  }

  function deliveryNote() {
    var only = B.board.dataset.deliverFrom;
    return only ? 'delivered only from ' + stageName(only) : '';
  }

  function setUpSortables() {
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    // The server marks the board of someone who may not move cards: nothing to drag then.
    if (B.board.hasAttribute('data-read-only')) { return; }
    sortables = $$('.cell', B.board).map(function (cell) {
      var origin = null;
      return window.Sortable.create(cell, {
        group: { name: 'lane:' + cell.dataset.lane },  // cards stay in their lane
        draggable: '.card',
        filter: '.is-pending, .move-btn',
        preventOnFilter: false,
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        animation: 120,
        ghostClass: 'drag-ghost',
        chosenClass: 'drag-chosen',
        dragClass: 'drag-flying',
        onStart: function (event) {
          B.dragging = true;
          origin = originOf(event.item);
        },
        onEnd: function (event) {
          B.dragging = false;
          var card = event.item;
          var moved = event.from !== event.to || event.oldIndex !== event.newIndex;
          var from = origin && origin.parent.dataset.stage;
          if (moved && origin && !mayEnter(event.to.dataset.stage, from)) {
            // Not sent: the server would refuse it (a path through other stages is no move).
            revert(card, origin, card.dataset.key + ' was put back: work is ' + deliveryNote() + '.');
          } else if (moved && origin) {
            moveCard(card, event.to.dataset.stage, nextCardKey(card), origin);
          }
          origin = null;
          B.drain();
        }
      });
    });
  }

  // ---- shared with board-live.js and board-panel.js ----------------------------------------------

  Object.assign(B, {
    $: $, $$: $$, boardPath: boardPath, cardEl: cardEl, fromHtml: fromHtml, flash: flash,
    parseCursor: parseCursor, setCount: setCount, placeCard: placeCard, trimClosed: trimClosed,
    setUpSortables: setUpSortables, openMoveMenu: openMoveMenu
  });

  // ---- start -----------------------------------------------------------------------------------

  document.addEventListener('keydown', menuKeys);
  document.addEventListener('DOMContentLoaded', function () {  // after the other board scripts
    B.board = document.getElementById('board');
    if (!B.board) { return; }
    setUpSortables();
    B.setUpPanel();
    B.setUpFilters();
    B.connect();
    window.addEventListener('online', function () { B.resync(); });
  });
}());
