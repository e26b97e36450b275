// Device detail, under the device's fields: its online/offline history as a timeline of bands (from the event
// log), its recent telemetry (uPlot, one chart per metric) with the anomalies it raised marked, its
// recent clips, and a tracker's regions with its recent entries and exits. Loaded before app.js, which calls
// FleetDevice.show when a device is opened.
window.FleetDevice = (() => {
  const el = (tag, props, ...children) => {
    const e = Object.assign(document.createElement(tag), props || {});
    e.append(...children);
    return e;
  };
  const hint = (text) => el('p', { className: 'hint', textContent: text });
  const time = (iso) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');

  function timeline(events, now) {
    const changes = events.filter((e) => e.type === 'came_online' || e.type === 'went_offline');
    if (!changes.length) return hint('No online/offline changes in the last 7 days.');
    const start = Date.parse(changes[0].at);
    const span = Math.max(1, now - start);
    const bar = el('div', { className: 'timeline', role: 'img' });
    bar.setAttribute('aria-label', 'online and offline over time');
    changes.forEach((c, i) => {
      const from = Date.parse(c.at);
      const to = i + 1 < changes.length ? Date.parse(changes[i + 1].at) : now;
      const state = c.type === 'came_online' ? 'online' : 'offline';
      const band = el('span', { className: 'band ' + state, title: `${state} from ${time(c.at)} UTC` });
      band.style.left = ((from - start) / span * 100) + '%';
      band.style.width = Math.max(0.5, (to - from) / span * 100) + '%';
      bar.append(band);
    });
    return el('div', {}, bar, el('p', { className: 'hint', textContent: `since ${time(changes[0].at)} UTC` }));
  }

  function charts(series, anomalies) {
    if (!series.points.length) return [hint('No telemetry since this device was last loaded (readings are kept in memory).')];
    const flagged = new Map(anomalies.map((a) => [Date.parse(a.detail.readingTs), a]));
    const xs = series.points.map((p) => Date.parse(p.t) / 1000);
    const width = Math.min(520, document.body.clientWidth - 60);
    return series.metrics.map((metric) => {
      const box = el('figure', { className: 'plot' });
      box.dataset.metric = metric;
      box.append(el('figcaption', { textContent: metric }));
      const ys = series.points.map((p) => p.values[metric] ?? null);
      const marks = series.points.map((p) => {
        const a = flagged.get(Date.parse(p.t));
        return a && (a.detail.metrics || []).includes(metric) ? p.values[metric] ?? null : null;
      });
      new uPlot({ width, height: 140, series: [{}, { label: metric, stroke: '#2563eb' },
        { label: 'anomaly', stroke: '#dc2626', width: 0, points: { show: true, size: 9, fill: '#dc2626' } }] },
      [xs, ys, marks], box);
      return box;
    });
  }

  function anomalyList(anomalies) {
    if (!anomalies.length) return hint('No anomalies in the last 7 days.');
    return el('ul', { className: 'anomalies' }, ...anomalies.slice(-10).reverse().map((a) => el('li', {
      textContent: `${time(a.detail.readingTs)} UTC — ${a.detail.detector}: ${a.detail.reason} (score ${Number(a.detail.score).toFixed(2)})`,
    })));
  }

  function clips(events, token) {
    const stored = events.filter((e) => e.type === 'clip_stored').slice(-5).reverse();
    if (!stored.length) return hint('No clips in the last 7 days.');
    return el('ul', { className: 'clips' }, ...stored.map((e) => el('li', {},
      el('span', { textContent: `${time(e.at)} UTC ` }),
      el('video', { controls: true, preload: 'metadata', playsInline: true,
        src: '/api/clips/' + encodeURIComponent(e.detail.clipId) + '?access_token=' + encodeURIComponent(token) }))));
  }

  function regions(device, events) {
    const visits = events.filter((e) => e.type === 'entered_region' || e.type === 'left_region').slice(-10).reverse();
    const list = device.regions.length
      ? el('ul', { className: 'regions' }, ...device.regions.map((r) => el('li', {
        textContent: `${r.name} — ${r.radiusM} m around ${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}` })))
      : hint('The phone has sent no regions.');
    const recent = visits.length
      ? el('ul', { className: 'regions' }, ...visits.map((e) => el('li', {
        textContent: `${time(e.detail.tst)} UTC — ${e.type === 'entered_region' ? 'entered' : 'left'} ${e.detail.region}` })))
      : hint('No region entered or left in the last 7 days.');
    return [list, el('h3', { textContent: 'Entered and left' }), recent];
  }

  /** Fills {@code box} with the device's history, telemetry, clips and regions; {@code device} is its view. */
  async function show(api, token, device, box) {
    box.replaceChildren(hint('Loading history…'));
    const id = encodeURIComponent(device.deviceId);
    try {
      const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
      const [page, series] = await Promise.all([
        api(`/api/events?deviceId=${id}&from=${encodeURIComponent(since)}&limit=1000`),
        device.type === 'sensor' ? api(`/api/devices/${id}/telemetry`) : Promise.resolve(null)]);
      const events = page.items;
      const anomalies = events.filter((e) => e.type === 'anomaly_detected');
      const parts = [el('h3', { textContent: 'Online / offline' }), timeline(events, Date.now())];
      if (series) parts.push(el('h3', { textContent: 'Telemetry' }), ...charts(series, anomalies),
        el('h3', { textContent: 'Anomalies' }), anomalyList(anomalies));
      if (device.type === 'camera') parts.push(el('h3', { textContent: 'Recent clips' }), clips(events, token));
      if (device.type === 'tracker') parts.push(el('h3', { textContent: 'Regions' }), ...regions(device, events));
      box.replaceChildren(...parts);
    } catch (err) {
      box.replaceChildren(el('p', { className: 'error', role: 'alert', textContent: 'Could not load its history: ' + err.message }));
    }
  }

  return { show };
})();
