// Races: the leaderboard (live, from the race's server-sent stream), the tracks on a Leaflet map (no tile
// layer unless #tiles=<url template> is given: the tracks on Leaflet's projected plane, with a scale) and
// per tracker its speed and altitude over the race (uPlot). Loaded after app.js, which calls FleetRaces.show.
window.FleetRaces = (() => {
  const $ = (id) => document.getElementById(id);
  const colours = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];
  let map = null;
  let layer = null;
  let stream = null;
  let current = null;

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  function renderBoard(board) {
    const rows = board.entries.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.tracker = e.device_id;
      tr.append(cell(e.rank), cell(e.name || e.device_id),
        cell(e.speed_kmh == null ? '–' : e.speed_kmh.toFixed(1)),
        cell(e.distance_to_finish_m == null ? '–' : Math.round(e.distance_to_finish_m)),
        cell(e.finished_at ? e.finished_at.replace('T', ' ').replace('Z', '') : ''));
      return tr;
    });
    $('r-board').replaceChildren(...rows);
    $('r-updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  // Leaflet renders a string tooltip as HTML: names and ids go in as a text node, shown as typed.
  function label(text) {
    return Object.assign(document.createElement('span'), { textContent: text });
  }

  function drawMap(race, tracks, names) {
    if (!map) {
      map = L.map('r-map', { attributionControl: false });
      L.control.scale({ imperial: false }).addTo(map);
      const tiles = new URLSearchParams(location.hash.slice(1)).get('tiles');
      if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    }
    if (layer) layer.remove();
    const end = race.route && race.route.length ? race.route[race.route.length - 1] : [race.finish.lat, race.finish.lon];
    // A circle needs the map's projection, which a view gives it; fitBounds below then frames everything.
    map.setView(end, 14);
    layer = L.featureGroup().addTo(map);
    if (race.route && race.route.length) L.polyline(race.route, { color: '#94a3b8', dashArray: '6 6', weight: 3 }).addTo(layer);
    L.circle(end, { radius: race.finish_radius_m, color: '#111827' }).addTo(layer).bindTooltip('finish');
    race.participants.forEach((id, i) => {
      const points = (tracks[id] || []).map((p) => [p[0], p[1]]);
      if (points.length) {
        L.polyline(points, { color: colours[i % colours.length], weight: 3, className: 'track' }).addTo(layer)
          .bindTooltip(label(names.get(id) && names.get(id) !== id ? `${names.get(id)} (${id})` : id));
      }
    });
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
  }

  async function drawPlots(api, race) {
    const plots = [];
    for (const [i, id] of race.participants.entries()) {
      const [speed, altitude] = await Promise.all([
        api(`/api/devices/${encodeURIComponent(id)}/series?metric=speed&from=${encodeURIComponent(race.start)}`).catch(() => null),
        api(`/api/devices/${encodeURIComponent(id)}/series?metric=altitude&from=${encodeURIComponent(race.start)}`).catch(() => null)]);
      const box = document.createElement('figure');
      box.className = 'plot';
      box.dataset.tracker = id;
      const caption = document.createElement('figcaption');
      caption.textContent = id;
      box.append(caption);
      plots.push(box);
      if (!speed || !speed.points.length) {
        box.append(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'no fixes yet' }));
        continue;
      }
      const alt = new Map((altitude ? altitude.points : []).map((p) => [p.t, p.v]));
      const xs = speed.points.map((p) => Date.parse(p.t) / 1000);
      const data = [xs, speed.points.map((p) => p.v), speed.points.map((p) => alt.get(p.t) ?? null)];
      const width = Math.min(520, document.body.clientWidth - 40);
      new uPlot({ width, height: 160, series: [{}, { label: 'km/h', stroke: colours[i % colours.length] },
        { label: 'altitude m', stroke: '#94a3b8', scale: 'm' }],
      axes: [{}, { label: 'km/h' }, { scale: 'm', side: 1, grid: { show: false } }] }, data, box);
    }
    $('r-plots').replaceChildren(...plots);
  }

  async function open(api, token, raceId) {
    if (stream) { stream.close(); stream = null; }
    current = raceId;
    const race = await api('/api/races/' + encodeURIComponent(raceId));
    const tracks = await api('/api/races/' + encodeURIComponent(raceId) + '/tracks');
    const board = await api('/api/races/' + encodeURIComponent(raceId) + '/leaderboard');
    drawMap(race, tracks, new Map(board.entries.map((e) => [e.device_id, e.name])));
    renderBoard(board);
    drawPlots(api, race).catch((e) => console.warn(e));
    stream = new EventSource('/api/races/' + encodeURIComponent(raceId) + '/stream?access_token=' + encodeURIComponent(token));
    stream.addEventListener('leaderboard', (e) => { if (current === raceId) renderBoard(JSON.parse(e.data)); });
    stream.onerror = () => { $('r-updated').textContent = 'reconnecting…'; };
  }

  async function show(api, token, wanted) {
    $('r-error').textContent = '';
    try {
      const races = (await api('/api/races')).items;
      $('r-empty').hidden = races.length > 0;
      $('r-content').hidden = races.length === 0;
      const select = $('r-select');
      select.replaceChildren(...races.map((r) => Object.assign(document.createElement('option'),
        { value: r.race_id, textContent: `${r.name} (${r.start.replace('T', ' ').replace('Z', '')})` })));
      select.onchange = () => open(api, token, select.value).catch((e) => { $('r-error').textContent = e.message; });
      if (!races.length) return;
      const pick = races.some((r) => r.race_id === wanted) ? wanted : races[0].race_id;
      select.value = pick;
      await open(api, token, pick);
    } catch (e) {
      $('r-error').textContent = 'Races could not be loaded: ' + e.message;
    }
  }

  function hide() {
    if (stream) { stream.close(); stream = null; }
  }

  return { show, hide };
})();
