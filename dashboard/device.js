// Device detail, under the device's fields: its online/offline history as a timeline of bands (from the event
// log), its telemetry over a window from a minute to a year (uPlot, one chart per metric) with the anomalies it
// raised marked, its recent clips, and a tracker's regions with its recent entries and exits. Loaded before
// app.js, which calls FleetDevice.show when a device is opened.
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

  // The telemetry window's presets, and how far a zoom-out reaches.
  const RANGES = [['1 min', 60e3], ['1 h', 3600e3], ['1 day', 86400e3], ['1 week', 7 * 86400e3],
    ['30 days', 30 * 86400e3], ['1 year', 365 * 86400e3]];
  const iso = (ms) => new Date(ms).toISOString();

  // One chart per metric over the window: the readings, or per bucket the mean between its min and max;
  // anomalies marked on the point (or bucket) they fall in. Dragging across a chart zooms into that span.
  function charts(series, anomalies, zoom) {
    if (!series.points.length) return [hint('No telemetry in this window.')];
    const stepMs = series.step === 'raw' ? 0 : series.points.length > 1
      ? Date.parse(series.points[1].t) - Date.parse(series.points[0].t) : 60e3;
    const times = anomalies.map((a) => ({ at: Date.parse(a.detail.readingTs), metrics: a.detail.metrics || [] }));
    const xs = series.points.map((p) => Date.parse(p.t) / 1000);
    const width = Math.min(520, document.body.clientWidth - 60);
    return series.metrics.map((metric) => {
      const box = el('figure', { className: 'plot' });
      box.dataset.metric = metric;
      box.append(el('figcaption', { textContent: metric }));
      const ys = series.points.map((p) => p.values[metric] ?? null);
      const marks = series.points.map((p) => {
        const t = Date.parse(p.t);
        const hit = times.some((a) => a.metrics.includes(metric) && (stepMs ? a.at >= t && a.at < t + stepMs : a.at === t));
        return hit ? p.values[metric] ?? null : null;
      });
      box.dataset.anomalies = String(marks.filter((m) => m != null).length);
      const lines = [{}, { label: series.step === 'raw' ? metric : `${metric} (mean)`, stroke: '#2563eb' }];
      const data = [xs, ys];
      if (series.step !== 'raw') {
        lines.push({ label: 'min', stroke: '#94a3b8', dash: [4, 4] }, { label: 'max', stroke: '#94a3b8', dash: [4, 4] });
        data.push(series.points.map((p) => p.min?.[metric] ?? null), series.points.map((p) => p.max?.[metric] ?? null));
      }
      lines.push({ label: 'anomaly', stroke: '#dc2626', width: 0, points: { show: true, size: 9, fill: '#dc2626' } });
      data.push(marks);
      new uPlot({ width, height: 140, series: lines, cursor: { drag: { x: true, setScale: false } },
        hooks: { setSelect: [(u) => {
          if (u.select.width < 5) return;
          zoom(u.posToVal(u.select.left, 'x') * 1000, u.posToVal(u.select.left + u.select.width, 'x') * 1000);
        }] } }, data, box);
      return box;
    });
  }

  // The telemetry of one window from Fleet's history (GET /api/devices/{id}/telemetry picks raw readings or a
  // rollup step so a window from a minute to a year is at most ~2,000 points), with presets and zoom.
  function telemetry(api, id, initial) {
    const section = el('div', { className: 'telemetry' });
    async function load(from, to) {
      const now = Date.now();
      to = Math.min(to, now);
      from = Math.max(Math.min(from, to - 60e3), to - 5 * 365 * 86400e3);
      section.dataset.from = iso(from);
      section.dataset.to = iso(to);
      const range = `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}`;
      let series;
      let anomalies;
      try {
        [series, anomalies] = await Promise.all([api(`/api/devices/${id}/telemetry?${range}`),
          api(`/api/events?deviceId=${id}&type=anomaly_detected&${range}&limit=1000`).then((p) => p.items)]);
      } catch (err) {
        section.replaceChildren(el('p', { className: 'error', role: 'alert', textContent: 'Could not load telemetry: ' + err.message }));
        return;
      }
      section.dataset.step = series.step;
      section.dataset.points = String(series.points.length);
      const presets = el('nav', { className: 'ranges' }, ...RANGES.map(([label, ms]) => el('button',
        { type: 'button', textContent: label, onclick: () => load(Date.now() - ms, Date.now()) })));
      const out = el('button', { type: 'button', className: 'zoom-out', textContent: 'zoom out',
        onclick: () => { const mid = (from + to) / 2; const half = to - from; load(mid - half, mid + half); } });
      presets.append(out);
      const caption = hint(`${time(iso(from))} – ${time(iso(to))} UTC · ${series.step === 'raw' ? 'every reading'
        : series.step + ' buckets: mean, min, max'}${series.truncated ? ' (first ' + series.points.length + ' readings)' : ''}`
        + ' · drag across a chart to zoom in');
      section.replaceChildren(presets, caption, ...charts(series, anomalies, load));
    }
    load(initial.from, initial.to);
    return section;
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

  /**
   * Fills {@code box} with the device's history, telemetry, clips and regions; {@code device} is its view,
   * {@code span} ({from, to} in ms, optional) the telemetry's first window (the last day by default).
   */
  async function show(api, token, device, box, span) {
    box.replaceChildren(hint('Loading history…'));
    const id = encodeURIComponent(device.deviceId);
    try {
      const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
      const page = await api(`/api/events?deviceId=${id}&from=${encodeURIComponent(since)}&limit=1000`);
      const events = page.items;
      const anomalies = events.filter((e) => e.type === 'anomaly_detected');
      const parts = [el('h3', { textContent: 'Online / offline' }), timeline(events, Date.now())];
      if (device.type === 'sensor') {
        parts.push(el('h3', { textContent: 'Telemetry' }),
          telemetry(api, id, span || { from: Date.now() - 86400e3, to: Date.now() }),
          el('h3', { textContent: 'Anomalies' }), anomalyList(anomalies));
      }
      if (device.type === 'camera') parts.push(el('h3', { textContent: 'Recent clips' }), clips(events, token));
      if (device.type === 'tracker') parts.push(el('h3', { textContent: 'Regions' }), ...regions(device, events));
      box.replaceChildren(...parts);
    } catch (err) {
      box.replaceChildren(el('p', { className: 'error', role: 'alert', textContent: 'Could not load its history: ' + err.message }));
    }
  }

  return { show };
})();
