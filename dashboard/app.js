// Fleet dashboard: sign in with a bearer token, then the fleet summary and device list, refreshed live.
(() => {
  const $ = (id) => document.getElementById(id);
  // A sign-in link (#token=…, as printed at start) signs in once; the fragment never reaches the server.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromLink) {
    localStorage.setItem('fleet-token', fromLink);
    history.replaceState(null, '', location.pathname);
  }
  let token = localStorage.getItem('fleet-token') || '';
  let cursor = null;          // cursor of the page being shown (null: first page)
  let nextCursor = null;
  let timer = null;

  async function api(path) {
    const res = await fetch(path, { headers: { Authorization: 'Bearer ' + token } });
    if (res.status === 401) { signOut('That token is not valid.'); throw new Error('unauthorized'); }
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
    token = '';
    localStorage.removeItem('fleet-token');
    $('app').hidden = true; $('signout').hidden = true; $('signin').hidden = false;
    $('signin-error').textContent = message || '';
    $('who').textContent = '';
  }

  function signedIn() {
    $('signin').hidden = true; $('app').hidden = false; $('signout').hidden = false;
    $('who').textContent = 'signed in';
    schedule();
  }

  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    localStorage.setItem('fleet-token', token);
    signedIn();
  });
  $('signout').addEventListener('click', () => signOut());
  for (const id of ['f-status', 'f-type']) $(id).addEventListener('change', () => { cursor = null; schedule(); });
  $('f-q').addEventListener('input', () => { cursor = null; schedule(); });
  $('first').addEventListener('click', () => { cursor = null; schedule(); });
  $('next').addEventListener('click', () => { if (nextCursor) { cursor = nextCursor; schedule(); } });

  if (token) signedIn(); else signOut();
})();
