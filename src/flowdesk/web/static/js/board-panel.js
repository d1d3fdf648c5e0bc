/* Flowdesk board, the detail panel and the filters: both keep their state in the URL, so a
   view can be shared and the browser's back button works. */
(function () {
  'use strict';

  var B = window.FlowdeskBoard;
  var $ = B.$;
  var Flowdesk = window.Flowdesk;

  // ---- filters and lanes, kept in the URL --------------------------------------------------------

  function filterQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value === '' || (name === 'lanes' && value === 'cos')) { return; }
      params.append(name, value);
    });
    var text = params.toString();
    return text ? '?' + text : '';
  }

  function applyFilters(form) {
    var query = filterQuery(form);
    var clear = $('[data-clear]', form);
    if (clear) { clear.hidden = !query.replace(/(^\?|&)lanes=[^&]*/, ''); }
    return fetch(B.boardPath() + query, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' })
      .then(function (response) {
        return response.text().then(function (html) {
          if (!response.ok) {
            Flowdesk.toast('Those filters could not be applied.', 'error');
            return;
          }
          B.swapBoard(html);
          // The server's own spelling of the view (its order, trimmed values), so a shared
          // URL is the same whichever way the filters were set.
          history.pushState({ flowdesk: true }, '', location.pathname + B.board.dataset.query);
        });
      });
  }

  function setUpFilters() {
    var form = document.getElementById('board-filters');
    if (!form) { return; }
    var timer = null;
    // On a phone the lanes and filters fold away behind one button (css: .filters-toggle).
    var toggle = form.querySelector('[data-filters-toggle]');
    if (toggle) {
      toggle.addEventListener('click', function () {
        var open = form.classList.toggle('is-open');
        toggle.setAttribute('aria-expanded', String(open));
      });
    }
    form.addEventListener('change', function (event) {
      if (event.target.name !== 'q') { applyFilters(form); }
    });
    form.addEventListener('input', function (event) {
      if (event.target.name !== 'q') { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { applyFilters(form); }, 250);
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      applyFilters(form);
    });
  }

  // ---- the detail panel ------------------------------------------------------------------------

  function panel() { return document.getElementById('panel'); }

  function openPanel(url, push) {
    return window.htmx.ajax('GET', url, { target: '#panel', swap: 'innerHTML' }).then(function () {
      var p = panel();
      p.hidden = false;
      if (push) { history.pushState({ flowdesk: true }, '', url); }
      var title = $('#panel-title', p);
      if (title) { title.setAttribute('tabindex', '-1'); title.focus(); }
    });
  }

  function closePanel(push) {
    var p = panel();
    p.hidden = true;
    p.replaceChildren();
    if (push) { history.pushState({ flowdesk: true }, '', B.boardPath() + B.board.dataset.query.replace(/(^\?|&)show=\d+/, '')); }
  }

  function viewQuery() {
    var q = B.board.dataset.query.replace(/(\?|&)show=\d+/, '');
    return q === '?' ? '' : q;
  }

  function setUpPanel() {
    document.addEventListener('click', function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
          event.shiftKey || event.altKey) { return; }
      var link = event.target.closest('.card-title, [data-open-panel]');
      if (link) {
        event.preventDefault();
        var href = link.getAttribute('href');
        openPanel(href.indexOf('?') === -1 ? href + viewQuery() : href, true);
        return;
      }
      if (event.target.closest('[data-close-panel]')) {
        event.preventDefault();
        closePanel(true);
        return;
      }
      var move = event.target.closest('[data-move]');
      if (move) {
        event.preventDefault();
        B.openMoveMenu(move.closest('.card'));
        return;
      }
      if (event.target.closest('[data-close-dialog]')) {
        event.target.closest('dialog').close();
      }
    });
    document.addEventListener('keydown', function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((document.activeElement || {}).tagName || '');
      if (event.key === 'Escape' && !typing && !document.querySelector('dialog[open]') &&
          !panel().hidden && !document.querySelector(':popover-open')) {
        closePanel(true);
      }
    });
    document.body.addEventListener('htmx:afterSwap', function (event) {
      if (event.detail.target !== panel()) { return; }
      panel().hidden = false;
      var invalid = $('[aria-invalid="true"]', panel());  // take the person to what to fix
      if (invalid) { invalid.focus(); }
      // Without the live stream the board would not see what the panel just changed.
      if (!B.live && event.detail.requestConfig.verb === 'post') { B.resync(); }
    });
    window.addEventListener('popstate', function (event) {
      if (event.state && event.state.htmx) { return; }
      var query = location.search.replace(/(\?|&)show=\d+/, '');
      if (query !== viewQuery()) { location.reload(); return; }
      if (/\/items\/|\/new$/.test(location.pathname)) {
        openPanel(location.pathname + location.search, false);
      } else {
        closePanel(false);
      }
    });
  }

  Object.assign(B, { setUpPanel: setUpPanel, setUpFilters: setUpFilters });
}());
