/**
 * The connect page's script, as the browser runs it (plain ES2020, no build step). It is inlined
 * into the page and allowed by its hash in the Content-Security-Policy (`page.ts`), so it must
 * stay a constant: the server interpolates nothing into it, and everything the page shows that
 * came from a request or the API goes into the DOM as text (`textContent`, attributes set one
 * by one), never as HTML.
 *
 * Flow: read the session token (from `?session_token=`, or from Nango's frontend SDK, which
 * loads this page in an iframe without it and answers the page's `ready` message with
 * `{type: 'session_token', sessionToken}`) → `GET /connect/session` → list the integrations →
 * a form with the connection-config fields (checked against the catalog's pattern here; the
 * server checks again) and the credentials the auth mode needs → either the OAuth flow
 * (`/oauth/connect/{key}`: in this tab, or in a popup when embedded, since providers refuse to
 * be framed) or a POST to `/api-auth/api-key|basic/{key}` or `/oauth2/auth/{key}` → the result.
 *
 * Embedded in an iframe by `openConnectUI`, the page speaks Nango Connect UI's protocol to its
 * parent (`@nangohq/frontend`'s `ConnectUIEvent`): `{type: 'ready'}`, `{type: 'connect',
 * payload: {providerConfigKey, connectionId}}`, `{type: 'error', payload: {errorType,
 * errorMessage}}` and `{type: 'close'}`.
 */
export const CONNECT_PAGE_SCRIPT = `(function () {
'use strict';

var embedded = window.parent !== window;
var params = new URLSearchParams(window.location.search);
// The API's base: this page is served at <base>/connect (or <base>/connect/ when the SDK loads it).
var base = window.location.pathname.replace(/\\/connect\\/?$/, '');
var token = params.get('session_token') || params.get('connect_session_token') || null;
// Where events go once the parent has introduced itself with the session token; until then "*"
// (Nango's Connect UI posts to "*" throughout; nothing secret is ever posted).
var parentOrigin = '*';
var integrations = [];
var current = null;
var popup = null;
var popupTimer = null;
var oauthDone = false;

function $(id) { return document.getElementById(id); }

function el(tag, attrs, text) {
  var node = document.createElement(tag);
  if (attrs) for (var name in attrs) if (Object.prototype.hasOwnProperty.call(attrs, name)) node.setAttribute(name, attrs[name]);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function api(path) { return base + path; }

function post(event) {
  if (embedded) window.parent.postMessage(event, parentOrigin);
}

function setStatus(text, isError) {
  var status = $('status');
  status.textContent = text || '';
  status.className = isError ? 'status error' : 'status';
}

function show(view) {
  ['loading-view', 'list-view', 'form-view', 'result-view'].forEach(function (id) { $(id).hidden = id !== view; });
}

function focusHeading(id) {
  var heading = $(id);
  if (heading) heading.focus();
}

/** Only http(s) URLs are ever used as a link or an image source. */
function safeUrl(value) {
  if (typeof value !== 'string' || value === '') return null;
  try {
    var url = new URL(value, window.location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch (e) {
    return null;
  }
}

function pick(object, names) {
  for (var i = 0; i < names.length; i++) {
    var value = object ? object[names[i]] : undefined;
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/** One integration as the page uses it, from the session answer (snake_case as Nango, or camelCase). */
function readIntegration(raw) {
  var key = pick(raw, ['provider_config_key', 'providerConfigKey', 'unique_key', 'key']);
  if (typeof key !== 'string' || key === '') return null;
  var fieldsRaw = pick(raw, ['connection_config', 'connectionConfig', 'connection_config_fields', 'connectionConfigFields']) || {};
  var fields = [];
  var list = Array.isArray(fieldsRaw) ? fieldsRaw : Object.keys(fieldsRaw).map(function (name) { var f = fieldsRaw[name] || {}; return Object.assign({ name: name }, f); });
  list.forEach(function (f) {
    if (!f || typeof f.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(f.name)) return;
    if (f.automated || f.preconfigured || f.hidden) return;
    fields.push({ name: f.name, title: f.title || f.name, description: f.description || '', pattern: typeof f.pattern === 'string' ? f.pattern : null, example: f.example || '', optional: f.optional === true });
  });
  return {
    key: key,
    name: pick(raw, ['display_name', 'displayName', 'name']) || key,
    provider: pick(raw, ['provider']) || '',
    authMode: String(pick(raw, ['auth_mode', 'authMode']) || '').toUpperCase(),
    logo: safeUrl(pick(raw, ['logo', 'logo_url', 'logoUrl'])),
    docs: safeUrl(pick(raw, ['docs', 'docs_url', 'docsUrl', 'docs_connect'])),
    fields: fields
  };
}

function readSession(body) {
  var data = body && body.data ? body.data : body;
  var raw = pick(data, ['integrations', 'allowed_integrations_details']) || [];
  return (Array.isArray(raw) ? raw : []).map(readIntegration).filter(Boolean);
}

function errorMessage(body, fallback) {
  var error = body && body.error;
  if (error && typeof error.message === 'string') return error.message;
  if (typeof error === 'string') return error;
  return fallback;
}

function errorCode(body) {
  var error = body && body.error;
  return error && typeof error.code === 'string' ? error.code : null;
}

// ---- start ----

function start() {
  $('close').addEventListener('click', close);
  $('back').addEventListener('click', function () { showList(); });
  $('form').addEventListener('submit', submit);
  $('result-action').addEventListener('click', resultAction);
  document.addEventListener('keydown', function (event) { if (event.key === 'Escape' && embedded) close(); });
  window.addEventListener('message', onMessage);
  if (embedded) $('close').hidden = false;
  if (token) {
    load();
  } else if (embedded) {
    setStatus('Waiting for the application…');
  } else {
    fail('This connect link is incomplete: it has no session token. Ask the application for a new link.', 'missing_connect_session_token');
  }
  post({ type: 'ready' });
}

function onMessage(event) {
  var data = event.data;
  if (!data || typeof data !== 'object') return;
  if (embedded && event.source === window.parent && data.type === 'session_token' && typeof data.sessionToken === 'string') {
    parentOrigin = event.origin && event.origin !== 'null' ? event.origin : '*';
    if (data.sessionToken !== token) { token = data.sessionToken; load(); }
    return;
  }
  // The OAuth callback page, in the popup this page opened, on this same origin.
  if (popup && event.source === popup && event.origin === window.location.origin) {
    if (data.type === 'nango_oauth_callback_success' || data.type === 'nango_oauth_callback_error') {
      try { popup.postMessage({ type: 'nango_oauth_callback_ack' }, window.location.origin); } catch (e) { /* closed */ }
      oauthFinished(data.type === 'nango_oauth_callback_success', data.payload || {});
    }
  }
}

function load() {
  show('loading-view');
  setStatus('Loading…');
  fetch(api('/connect/session'), { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' }, credentials: 'omit', cache: 'no-store' })
    .then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    })
    .then(function (answer) {
      if (!answer.ok) {
        if (answer.status === 401) return fail('This connect link has expired or is not valid. Ask the application for a new one.', 'missing_connect_session_token');
        return fail(errorMessage(answer.body, 'The connect session could not be loaded (HTTP ' + answer.status + ').'), 'unknown_error');
      }
      integrations = readSession(answer.body);
      if (integrations.length === 1) return showForm(integrations[0]);
      showList();
    })
    .catch(function () { fail('The connect session could not be loaded. Check your connection and reload the page.', 'unknown_error'); });
}

// ---- list ----

function showList() {
  current = null;
  var list = $('integrations');
  list.textContent = '';
  integrations.forEach(function (integration) {
    var item = el('li', { class: 'integration' });
    var button = el('button', { type: 'button', class: 'pick', 'data-key': integration.key });
    button.appendChild(logoOf(integration));
    var label = el('span');
    label.appendChild(el('span', { class: 'name' }, integration.name));
    label.appendChild(el('span', { class: 'meta' }, describeMode(integration.authMode)));
    button.appendChild(label);
    button.addEventListener('click', function () { showForm(integration); });
    item.appendChild(button);
    if (integration.docs) {
      var docs = el('a', { class: 'docs', href: integration.docs, target: '_blank', rel: 'noopener noreferrer' }, 'Docs');
      docs.appendChild(el('span', { class: 'visually-hidden' }, ' for ' + integration.name + ' (opens in a new tab)'));
      item.appendChild(docs);
    }
    list.appendChild(item);
  });
  $('empty').hidden = integrations.length > 0;
  show('list-view');
  setStatus(integrations.length === 0 ? '' : integrations.length + (integrations.length === 1 ? ' app' : ' apps') + ' available.');
  focusHeading('list-title');
}

function logoOf(integration) {
  var initial = el('span', { class: 'initial', 'aria-hidden': 'true' }, (integration.name.trim()[0] || '?').toUpperCase());
  if (!integration.logo) return initial;
  var img = el('img', { class: 'logo', alt: '', src: integration.logo, referrerpolicy: 'no-referrer', loading: 'lazy' });
  img.addEventListener('error', function () { if (img.parentNode) img.parentNode.replaceChild(initial, img); });
  return img;
}

function describeMode(mode) {
  switch (mode) {
    case 'OAUTH2': return 'Sign in with your account';
    case 'OAUTH2_CC': return 'Client ID and secret';
    case 'API_KEY': return 'API key';
    case 'BASIC': return 'Username and password';
    default: return mode || '';
  }
}

// ---- form ----

function showForm(integration) {
  current = integration;
  $('form-title').textContent = 'Connect ' + integration.name;
  var docs = $('form-docs');
  docs.textContent = '';
  if (integration.docs) {
    docs.appendChild(document.createTextNode('Need help? See '));
    docs.appendChild(el('a', { href: integration.docs, target: '_blank', rel: 'noopener noreferrer' }, integration.name + '’s documentation'));
    docs.appendChild(document.createTextNode('.'));
  }
  var fields = $('fields');
  fields.textContent = '';
  integration.fields.forEach(function (f) { fields.appendChild(fieldOf('param-' + f.name, f.title, f.description, f.example, !f.optional, 'text')); });
  credentialFields(integration.authMode).forEach(function (c) { fields.appendChild(fieldOf(c.id, c.title, c.hint, '', true, c.type)); });
  var supported = ['OAUTH2', 'OAUTH2_CC', 'API_KEY', 'BASIC'].indexOf(integration.authMode) !== -1;
  $('submit').textContent = integration.authMode === 'OAUTH2' ? 'Continue to ' + integration.name : 'Connect';
  $('submit').hidden = !supported;
  $('submit').disabled = false;
  $('oauth-note').hidden = integration.authMode !== 'OAUTH2';
  $('oauth-note').textContent = integration.authMode === 'OAUTH2' ? 'You will be asked to sign in to ' + integration.name + ' and allow access' + (embedded ? ' in a new window.' : '.') : '';
  $('back').hidden = integrations.length < 2;
  hideFormError();
  show('form-view');
  setStatus(supported ? '' : integration.name + ' cannot be connected from this page (' + (integration.authMode || 'unknown') + ' authorization).', !supported);
  var first = fields.querySelector('input');
  if (first) first.focus(); else focusHeading('form-title');
}

function credentialFields(mode) {
  switch (mode) {
    case 'API_KEY': return [{ id: 'cred-apiKey', title: 'API key', hint: '', type: 'password' }];
    case 'BASIC': return [{ id: 'cred-username', title: 'Username', hint: '', type: 'text' }, { id: 'cred-password', title: 'Password', hint: '', type: 'password' }];
    case 'OAUTH2_CC': return [{ id: 'cred-client_id', title: 'Client ID', hint: '', type: 'text' }, { id: 'cred-client_secret', title: 'Client secret', hint: '', type: 'password' }];
    default: return [];
  }
}

function fieldOf(id, title, hint, example, required, type) {
  var wrapper = el('div', { class: 'field' });
  wrapper.appendChild(el('label', { for: id }, title + (required ? '' : ' (optional)')));
  var described = [];
  if (hint) { wrapper.appendChild(el('span', { class: 'hint', id: id + '-hint' }, hint)); described.push(id + '-hint'); }
  var input = el('input', { id: id, name: id, type: type, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' });
  if (required) input.setAttribute('aria-required', 'true');
  if (example) input.setAttribute('placeholder', 'e.g. ' + example);
  var error = el('p', { class: 'field-error', id: id + '-error' });
  error.hidden = true;
  described.push(id + '-error');
  input.setAttribute('aria-describedby', described.join(' '));
  input.addEventListener('input', function () { clearFieldError(input); });
  wrapper.appendChild(input);
  wrapper.appendChild(error);
  return wrapper;
}

function setFieldError(input, message) {
  input.setAttribute('aria-invalid', 'true');
  var error = $(input.id + '-error');
  error.textContent = message;
  error.hidden = false;
}

function clearFieldError(input) {
  input.removeAttribute('aria-invalid');
  var error = $(input.id + '-error');
  error.textContent = '';
  error.hidden = true;
}

function showFormError(message) {
  var box = $('form-error');
  box.textContent = message;
  box.hidden = false;
}

function hideFormError() {
  $('form-error').hidden = true;
  $('form-error').textContent = '';
}

/** The entered connection config, or null after marking the fields that fail their pattern. */
function readParams(integration) {
  var values = {};
  var firstBad = null;
  integration.fields.forEach(function (f) {
    var input = $('param-' + f.name);
    var value = input.value.trim();
    var problem = null;
    if (value === '') {
      if (!f.optional) problem = f.title + ' is required.';
    } else if (f.pattern) {
      var ok = false;
      try { ok = new RegExp('^(?:' + f.pattern + ')$').test(value); } catch (e) { ok = true; /* the server checks */ }
      if (!ok) problem = f.title + ' is not in the expected format' + (f.example ? ' (for example ' + f.example + ').' : '.');
    }
    if (problem) { setFieldError(input, problem); firstBad = firstBad || input; } else { clearFieldError(input); if (value !== '') values[f.name] = value; }
  });
  return { values: values, firstBad: firstBad };
}

function readCredentials(mode) {
  var values = {};
  var firstBad = null;
  credentialFields(mode).forEach(function (c) {
    var input = $(c.id);
    var value = c.type === 'password' ? input.value : input.value.trim();
    if (value === '') { setFieldError(input, c.title + ' is required.'); firstBad = firstBad || input; } else { clearFieldError(input); values[c.id.slice(5)] = value; }
  });
  return { values: values, firstBad: firstBad };
}

function query(params) {
  var parts = ['connect_session_token=' + encodeURIComponent(token)];
  Object.keys(params).forEach(function (name) { parts.push('params[' + encodeURIComponent(name) + ']=' + encodeURIComponent(params[name])); });
  return '?' + parts.join('&');
}

function submit(event) {
  event.preventDefault();
  var integration = current;
  if (!integration) return;
  hideFormError();
  var params = readParams(integration);
  var credentials = readCredentials(integration.authMode);
  var firstBad = params.firstBad || credentials.firstBad;
  if (firstBad) { setStatus('Please correct the highlighted fields.', true); firstBad.focus(); return; }
  var path = encodeURIComponent(integration.key) + query(params.values);
  if (integration.authMode === 'OAUTH2') return startOAuth(integration, api('/oauth/connect/' + path));
  var endpoint = integration.authMode === 'API_KEY' ? '/api-auth/api-key/' : integration.authMode === 'BASIC' ? '/api-auth/basic/' : '/oauth2/auth/';
  busy(true, 'Connecting to ' + integration.name + '…');
  fetch(api(endpoint + path), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(credentials.values), credentials: 'omit', cache: 'no-store' })
    .then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    })
    .then(function (answer) {
      busy(false);
      if (answer.ok) {
        forgetSecrets();
        var body = answer.body || {};
        return succeed(integration, { providerConfigKey: body.providerConfigKey || integration.key, connectionId: body.connectionId });
      }
      if (answer.status === 401 && errorCode(answer.body) === 'invalid_connect_session') return fail('This connect link has expired or was already used. Ask the application for a new one.', 'missing_connect_session_token');
      var message = errorMessage(answer.body, 'The connection failed (HTTP ' + answer.status + ').');
      showFormError(message);
      setStatus('The connection failed.', true);
      post({ type: 'error', payload: { errorType: errorCode(answer.body) === 'connection_test_failed' ? 'connection_test_failed' : 'connection_validation_failed', errorMessage: message } });
      $('form-error').focus();
    })
    .catch(function () { busy(false); showFormError('The connection could not be made. Check your network and try again.'); setStatus('The connection failed.', true); });
}

function busy(on, text) {
  $('submit').disabled = on;
  $('form').setAttribute('aria-busy', on ? 'true' : 'false');
  if (on) setStatus(text);
}

/** Secrets typed into the form are dropped from the page once used. */
function forgetSecrets() {
  Array.prototype.forEach.call(document.querySelectorAll('#fields input'), function (input) { input.value = ''; });
}

// ---- OAuth ----

function startOAuth(integration, url) {
  if (!embedded && !window.opener) {
    // A tab of its own (the magic link): the provider's consent, then the callback page, in this tab.
    busy(true, 'Redirecting to ' + integration.name + '…');
    window.location.assign(url);
    return;
  }
  // Embedded: providers refuse to be framed, so consent happens in a popup.
  oauthDone = false;
  popup = window.open(url, 'syncline-oauth', 'popup=yes,width=500,height=640');
  if (!popup) {
    var blocked = 'Your browser blocked the sign-in window. Allow pop-ups for this site and try again.';
    showFormError(blocked);
    post({ type: 'error', payload: { errorType: 'blocked_by_browser', errorMessage: blocked } });
    return;
  }
  busy(true, 'Waiting for you to finish in the ' + integration.name + ' window…');
  clearInterval(popupTimer);
  popupTimer = setInterval(function () {
    if (!popup || !popup.closed) return;
    clearInterval(popupTimer);
    if (oauthDone) return;
    busy(false);
    var closed = 'The sign-in window was closed before the connection was made.';
    showFormError(closed);
    setStatus(closed, true);
    post({ type: 'error', payload: { errorType: 'window_closed', errorMessage: closed } });
  }, 500);
}

function oauthFinished(success, payload) {
  if (oauthDone || !current) return;
  oauthDone = true;
  clearInterval(popupTimer);
  busy(false);
  if (success) return succeed(current, { providerConfigKey: payload.providerConfigKey || current.key, connectionId: payload.connectionId });
  var message = typeof payload.message === 'string' && payload.message ? payload.message : 'The authorization failed.';
  showFormError(message);
  setStatus('The connection failed.', true);
  post({ type: 'error', payload: { errorType: 'connection_validation_failed', errorMessage: message } });
}

// ---- result ----

function succeed(integration, result) {
  $('result').className = 'result success';
  $('result-title').textContent = 'Connected to ' + integration.name;
  $('result-message').textContent = embedded ? 'You can return to the application.' : 'You can close this window and return to the application.';
  $('result-action').textContent = embedded ? 'Done' : 'Close';
  $('result-action').hidden = !embedded && !window.opener;
  $('result-action').setAttribute('data-action', 'close');
  show('result-view');
  setStatus(integration.name + ' is connected.');
  focusHeading('result-title');
  var payload = { providerConfigKey: result.providerConfigKey };
  if (result.connectionId) payload.connectionId = result.connectionId;
  post({ type: 'connect', payload: payload });
}

function fail(message, errorType) {
  $('result').className = 'result failure';
  $('result-title').textContent = 'Could not connect';
  $('result-message').textContent = message;
  $('result-action').textContent = 'Close';
  $('result-action').hidden = !embedded && !window.opener;
  $('result-action').setAttribute('data-action', 'close');
  show('result-view');
  setStatus(message, true);
  focusHeading('result-title');
  post({ type: 'error', payload: { errorType: errorType, errorMessage: message } });
}

function resultAction() {
  close();
}

function close() {
  if (embedded) { post({ type: 'close' }); return; }
  if (window.opener) window.close();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
`;
