// Fleet dashboard: sign in with a bearer token, then the fleet summary and device list, refreshed live.
(() => {
  const $ = (id) => document.getElementById(id);
  // A sign-in link (#token=…, as printed at start) signs in once; the fragment never reaches the server.
  const link = new URLSearchParams(location.hash.slice(1));
  const fromLink = link.get('token');
  const initialView = link.get('view');
  // #live=off shows the alerts as listed without opening the live stream (a snapshot, e.g. for printing).
  const live = link.get('live') !== 'off';
  // The token lives in this tab's sessionStorage: gone when the tab closes, and not shared with other tabs
  // or kept on disk as localStorage would be. A token an earlier version left in localStorage is removed.
  localStorage.removeItem('fleet-token');
  if (fromLink) {
    sessionStorage.setItem('fleet-token', fromLink);
    history.replaceState(null, '', location.pathname);
  }
  let token = sessionStorage.getItem('fleet-token') || '';
  let cursor = null;          // cursor of the page being shown (null: first page)
  let nextCursor = null;
  let timer = null;

  async function api(path) {
    const res = await fetch(path, { headers: { Authorization: 'Bearer ' + token } });
    if (res.status === 401) {
      const body = await res.json().catch(() => ({}));
      signOut(body.error === 'token expired' ? 'That token has expired: ask for a new one.' : 'That token is not valid.');
      throw new Error('unauthorized');
    }
    if (res.status === 429) {
      const body = await res.json().catch(() => ({}));
      // Too many failed sign-ins from this address: Fleet looks at no token from it for a while.
      if (body.error === 'too many failed authentications') { signOut('Too many failed sign-ins: ' + body.detail + '.'); throw new Error(body.detail); }
      throw new Error(body.detail || res.statusText);
    }
    if (!res.ok) throw new Error((await res.json()).detail || res.statusText);
    return res.json();
  }

  function ago(iso) {
    if (!iso) return 'never';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    // The list's last-seen is journaled about once a minute (the device page is exact), so no seconds here.
    if (s < 60) return 'under a minute ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text == null ? '–' : text;
    if (cls) td.className = cls;
    return td;
  }

  async function refresh() {
    const summary = await api('/api/fleet/summary');
    $('t-devices').textContent = summary.devices;
    $('t-online').textContent = summary.byStatus.online || 0;
    $('t-offline').textContent = summary.byStatus.offline || 0;
    $('t-low').textContent = summary.lowBattery;
    $('t-alerts').textContent = summary.openAlerts;
    const params = new URLSearchParams({ limit: '50' });
    if ($('f-status').value) params.set('status', $('f-status').value);
    if ($('f-type').value) params.set('type', $('f-type').value);
    if ($('f-q').value) params.set('q', $('f-q').value);
    if (cursor) params.set('cursor', cursor);
    const page = await api('/api/devices?' + params);
    nextCursor = page.nextCursor;
    $('next').disabled = !nextCursor;
    const rows = page.items.map((d) => {
      const tr = document.createElement('tr');
      tr.dataset.device = d.deviceId;
      tr.append(cell(d.name && d.name !== d.deviceId ? `${d.deviceId} (${d.name})` : d.deviceId), cell(d.type),
        cell(d.household), cell(d.status, 'status-' + d.status), cell(ago(d.lastSeen)),
        cell(d.battery == null ? null : d.battery + ' %' + (d.batteryLow ? ' (low)' : '')),
        cell(d.rssi == null ? null : d.rssi + ' dBm'), cell(d.firmware));
      return tr;
    });
    $('devices').replaceChildren(...rows);
  }

  function schedule() {
    clearInterval(timer);
    refresh().catch((e) => console.warn(e));
    timer = setInterval(() => refresh().catch((e) => console.warn(e)), 3000);
  }

  function signOut(message) {
    clearInterval(timer);
    if (alertStream) { alertStream.close(); alertStream = null; }
    token = '';
    sessionStorage.removeItem('fleet-token');
    $('app').hidden = true; $('signout').hidden = true; $('signin').hidden = false;
    $('signin-error').textContent = message || '';
    $('who').textContent = '';
  }

  function signedIn() {
    $('signin').hidden = true; $('app').hidden = false; $('signout').hidden = false;
    $('who').textContent = 'signed in';
    schedule();
  }

  // One device, live from its entity (the list's last seen may lag by a minute); {@code span}: the telemetry's window.
  async function showDevice(id, span) {
    $('device').hidden = false;
    $('d-title').textContent = id;
    $('d-fields').replaceChildren();
    $('d-more').replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'Loading…' }));
    let d;
    try {
      d = await api('/api/devices/' + encodeURIComponent(id));
    } catch (err) {
      $('d-more').replaceChildren(Object.assign(document.createElement('p'), { className: 'error', role: 'alert',
        textContent: 'No such device here: ' + err.message }));
      return;
    }
    $('d-title').textContent = d.name && d.name !== d.deviceId ? `${d.deviceId} (${d.name})` : d.deviceId;
    const fields = [['Type', d.type], ['Household', d.household], ['Location', d.location], ['Status', d.status],
      ['Since', d.statusSince], ['Last seen', d.lastSeen ? `${d.lastSeen} (${ago(d.lastSeen)})` : 'never'],
      ['Battery', d.battery == null ? null : d.battery + ' %' + (d.batteryLow ? ' (low)' : '')],
      ['Signal', d.rssi == null ? null : d.rssi + ' dBm'], ['Firmware', d.firmware],
      ['Uptime', d.uptimeS == null ? null : d.uptimeS + ' s'], ['Heartbeat every', d.heartbeatIntervalS + ' s'],
      ['Errors', d.errors], ['Registered', d.registeredAt]];
    $('d-fields').replaceChildren(...fields.flatMap(([k, v]) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v == null ? '–' : v;
      return [dt, dd];
    }));
    await FleetDevice.show(api, token, d, $('d-more'), span);
  }
  $('devices').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-device]');
    if (row) showDevice(row.dataset.device).catch((err) => console.warn(err));
  });
  $('d-close').addEventListener('click', () => { $('device').hidden = true; });

  // Event search: the seed's pull query as a page, oldest first, "More" follows the cursor.
  let eventCursor = null;
  function eventParams() {
    const p = new URLSearchParams({ limit: '100' });
    const utc = (v) => v.replace('T', ' ') + (v.length === 16 ? ':00' : '');
    if ($('e-from').value) p.set('from', utc($('e-from').value));
    if ($('e-to').value) p.set('to', utc($('e-to').value));
    if ($('e-devices').value.trim()) p.set('deviceId', $('e-devices').value.split(',').map((x) => x.trim()).filter(Boolean).join(','));
    if ($('e-type').value) p.set('type', $('e-type').value);
    return p;
  }
  async function searchEvents(append) {
    const p = eventParams();
    if (append && eventCursor) p.set('cursor', eventCursor);
    $('e-error').textContent = '';
    let page;
    try { page = await api('/api/events?' + p); } catch (err) { $('e-error').textContent = err.message; return; }
    eventCursor = page.nextCursor;
    $('e-more').hidden = !eventCursor;
    const rows = page.items.map((ev) => {
      const tr = document.createElement('tr');
      tr.dataset.event = ev.id;
      const clip = cell(ev.detail && ev.detail.clipId && (ev.type === 'clip_stored' || ev.detail.clipVerified) ? '' : null);
      if (clip.textContent === '') {
        clip.append(Object.assign(document.createElement('a'), { textContent: 'clip', target: '_blank',
          href: '/api/clips/' + encodeURIComponent(ev.detail.clipId) + '?access_token=' + encodeURIComponent(token) }));
      }
      tr.append(cell(ev.at.replace('T', ' ').replace('Z', '')), cell(ev.deviceId), cell(ev.household), cell(ev.type),
        clip, cell(JSON.stringify(ev.detail), 'detail'));
      return tr;
    });
    if (append) $('events').append(...rows); else $('events').replaceChildren(...rows);
  }
  $('event-search').addEventListener('submit', (e) => { e.preventDefault(); searchEvents(false); });
  $('e-more').addEventListener('click', () => searchEvents(true));

  // Live alerts: the latest from GET /api/alerts, then the resumable stream. EventSource sends no headers,
  // so the token goes as access_token; it reconnects by itself with Last-Event-ID, so no alert is lost.
  let alertStream = null;
  const seenAlerts = new Map();
  function alertRow(a, fresh) {
    const tr = document.createElement('tr');
    tr.dataset.alert = a.alertId;
    if (fresh) tr.className = 'new';
    const clip = document.createElement('td');
    if (a.clipId) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'play';
      b.addEventListener('click', () => play(a.clipId));
      clip.append(b);
    } else {
      clip.textContent = '–';
    }
    const state = a.state === 'acknowledged' ? `acknowledged by ${a.acknowledgedBy}`
      : a.state === 'cleared' ? `cleared by ${a.clearedBy}` : a.state;
    const actions = document.createElement('td');
    // An anomaly links to its sensor's readings around it.
    if (a.kind === 'anomaly' && a.eventTime) {
      const at = Date.parse(a.eventTime);
      const readings = Object.assign(document.createElement('button'), { type: 'button', textContent: 'readings' });
      readings.dataset.action = 'readings';
      readings.addEventListener('click', () => {
        show('fleet');
        showDevice(a.deviceId, { from: at - 1800e3, to: at + 1800e3 }).catch((err) => console.warn(err));
      });
      actions.append(readings);
    }
    if (a.state === 'open') actions.append(alertButton(a, 'ack', 'acknowledge'));
    if (a.state !== 'cleared') actions.append(alertButton(a, 'clear', 'clear'));
    tr.append(cell((a.raisedAt || '').replace('T', ' ').replace('Z', '')), cell(a.deviceId), cell(a.household),
      cell(a.kind), cell(state), cell(a.message), clip, actions);
    return tr;
  }
  function alertButton(a, action, label) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.action = action;
    b.addEventListener('click', async () => {
      b.disabled = true;
      const res = await fetch('/api/alerts/' + encodeURIComponent(a.alertId) + '/' + action,
        { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: '{}' });
      const body = await res.json().catch(() => ({}));
      if (res.ok) putAlert(body, false);
      else { b.disabled = false; b.title = body.detail || res.statusText; b.classList.add('failed'); }
    });
    return b;
  }
  // An alert's latest revision wins: the list, the stream and the buttons' answers may arrive in any order.
  function putAlert(a, fresh) {
    const old = seenAlerts.get(a.alertId);
    if (old && old.alert.revision > a.revision) return;
    if (old && !a.raisedAt) a.raisedAt = old.alert.raisedAt;
    const row = alertRow(a, fresh);
    if (old) old.row.replaceWith(row); else $('alerts').prepend(row);
    seenAlerts.set(a.alertId, { row, alert: a });
  }
  function play(clipId) {
    $('clip').src = '/api/clips/' + encodeURIComponent(clipId) + '?access_token=' + encodeURIComponent(token);
    $('player').hidden = false;
    $('clip').play().catch(() => {});
  }
  $('p-close').addEventListener('click', () => { $('clip').pause(); $('player').hidden = true; });
  async function startAlerts() {
    if (alertStream) return;
    const page = await api('/api/alerts?limit=100');
    page.items.slice().reverse().forEach((a) => putAlert(a, false));
    if (!live) { $('a-live').textContent = 'snapshot'; return; }
    alertStream = new EventSource('/api/alerts/stream?access_token=' + encodeURIComponent(token));
    alertStream.onopen = () => { $('a-live').textContent = 'live'; };
    alertStream.onerror = () => { $('a-live').textContent = 'reconnecting…'; };
    alertStream.addEventListener('alert', (e) => {
      const a = JSON.parse(e.data);
      const known = seenAlerts.has(a.alert_id);
      putAlert({ alertId: a.alert_id, deviceId: a.device_id, household: a.household, kind: a.kind, state: a.state,
        message: a.message, clipId: a.clip_verified ? a.clip_id : null, revision: a.revision,
        acknowledgedBy: a.acknowledged_by, clearedBy: a.cleared_by, eventTime: a.anomaly ? a.anomaly.reading_ts : null,
        raisedAt: known ? null : new Date().toISOString() }, !known);
      if (known) return;
      if (window.Notification && Notification.permission === 'granted') new Notification(`${a.kind}: ${a.device_name || a.device_id}`);
    });
    if (window.Notification && Notification.permission === 'default') Notification.requestPermission();
  }

  function show(view) {
    $('view-fleet').hidden = view !== 'fleet';
    $('view-events').hidden = view !== 'events';
    $('view-alerts').hidden = view !== 'alerts';
    $('view-races').hidden = view !== 'races';
    $('tab-races').classList.toggle('active', view === 'races');
    $('tab-fleet').classList.toggle('active', view === 'fleet');
    $('tab-events').classList.toggle('active', view === 'events');
    $('tab-alerts').classList.toggle('active', view === 'alerts');
    if (view === 'events') searchEvents(false);
    if (view === 'alerts') startAlerts().catch((err) => console.warn(err));
    if (view === 'races') window.FleetRaces.show(api, token, link.get('race'));
    else window.FleetRaces.hide();
  }
  $('tab-fleet').addEventListener('click', () => show('fleet'));
  $('tab-events').addEventListener('click', () => show('events'));
  $('tab-alerts').addEventListener('click', () => show('alerts'));
  $('tab-races').addEventListener('click', () => show('races'));
  if (['events', 'alerts', 'races'].includes(initialView)) show(initialView);

  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem('fleet-token', token);
    signedIn();
  });
  $('signout').addEventListener('click', () => signOut());
  for (const id of ['f-status', 'f-type']) $(id).addEventListener('change', () => { cursor = null; schedule(); });
  $('f-q').addEventListener('input', () => { cursor = null; schedule(); });
  $('first').addEventListener('click', () => { cursor = null; schedule(); });
  $('next').addEventListener('click', () => { if (nextCursor) { cursor = nextCursor; schedule(); } });

  if (token) signedIn(); else signOut();
})();
