/* Flowdesk: what every page needs. The CSRF token on every htmx request, and short messages. */
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }

  function toast(text, tone, ms) {
    var box = document.getElementById('toasts');
    if (!box) { return; }
    var item = document.createElement('div');
    item.className = 'toast toast-' + (tone || 'info');
    item.setAttribute('role', tone === 'error' ? 'alert' : 'status');
    var body = document.createElement('span');
    body.textContent = text;
    var close = document.createElement('button');
    close.type = 'button';
    close.className = 'toast-close';
    close.setAttribute('aria-label', 'Dismiss');
    close.textContent = '✕';
    close.addEventListener('click', function () { item.remove(); });
    item.append(body, close);
    box.append(item);
    window.setTimeout(function () { item.remove(); }, ms || 8000);
  }

  document.addEventListener('htmx:configRequest', function (event) {
    event.detail.headers['X-CSRF-Token'] = csrfToken();
  });
  document.addEventListener('htmx:sendError', function () {
    toast('Could not reach Flowdesk. Nothing was changed; check the connection and try again.',
      'error');
  });
  document.addEventListener('htmx:responseError', function (event) {
    toast('That did not work (error ' + event.detail.xhr.status + '). Nothing was changed.',
      'error');
  });

  window.Flowdesk = { csrfToken: csrfToken, toast: toast };
}());
