// The fixed part of report.html: its style sheet and the script that draws every
// figure as inline SVG from the run's data (a JSON block in the page). Kept apart
// from the C++ that gathers the data so each can be read on its own.
#pragma once

namespace aimcsim::html_page {

inline constexpr const char* kStyle = R"CSS(
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 26px 0 6px; border-bottom: 1px solid #ddd; }
p.sub, .note { color: #666; } table { border-collapse: collapse; } td, th { padding: 3px 10px; text-align: left;
  border-bottom: 1px solid #eee; vertical-align: top; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
section.bottleneck { background: #fff6e6; border-left: 4px solid #e69500; padding: 4px 14px; }
svg.fig { display: block; margin: 6px 0; } svg text { font: 11px system-ui, sans-serif; fill: #333; }
.legend span { display: inline-block; margin: 2px 10px 2px 0; } .legend i { display: inline-block; width: 11px;
  height: 11px; margin-right: 4px; vertical-align: -1px; }
.grid2 { display: flex; flex-wrap: wrap; gap: 24px; }
)CSS";

inline constexpr const char* kScript = R"JS(
const D = JSON.parse(document.getElementById('report-data').textContent);
const NS = 'http://www.w3.org/2000/svg';
function el(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function fig(id, w, h) {
  const s = el('svg', {id: id, class: 'fig', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h});
  document.getElementById(id + '-box').appendChild(s);
  return s;
}
function fmt(v) {
  if (v === null || v === undefined) return '-';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en');
  return Number(v.toPrecision(4)).toLocaleString('en', {maximumSignificantDigits: 4});
}
const colour = i => 'hsl(' + ((i * 137.5) % 360).toFixed(1) + ',62%,52%)';
const layerIndex = {};
D.layers.forEach((l, i) => { layerIndex[l.name] = i; });

// Horizontal bars: items [{label, value, colour, note}], values in `unit`.
function bars(id, items, unit) {
  const rowH = 20, left = 170, width = 420, w = left + width + 190;
  const s = fig(id, w, items.length * rowH + 24);
  const max = Math.max(...items.map(x => x.value), 1e-30);
  items.forEach((x, i) => {
    const y = 4 + i * rowH, len = Math.max(1, width * x.value / max);
    el('text', {x: left - 6, y: y + 13, 'text-anchor': 'end'}, s, x.label);
    const r = el('rect', {x: left, y: y + 2, width: len, height: rowH - 6, fill: x.colour || '#4a7fc1'}, s);
    el('title', {}, r, x.label + ': ' + fmt(x.value) + ' ' + unit);
    el('text', {x: left + len + 5, y: y + 13}, s, fmt(x.value) + ' ' + unit + (x.note ? ' ' + x.note : ''));
  });
  return s;
}

function figures() {
  const t = document.getElementById('figures');
  for (const f of D.figures) {
    const tr = document.createElement('tr');
    [f.label, fmt(f.value) + ' ' + f.unit, f.meaning].forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = c;
      if (i === 1) td.className = 'num';
      tr.appendChild(td);
    });
    t.appendChild(tr);
  }
}

function bottleneck() {
  const ul = document.getElementById('bottleneck-lines');
  for (const line of D.bottleneck.lines) {
    const li = document.createElement('li');
    li.textContent = line;
    ul.appendChild(li);
  }
  const items = D.bottleneck.resources.slice(0, 8).map(r => ({
    label: r.name, value: r.busy_ns / 1000, colour: r.kind === 'layer' ? '#c0392b' : r.kind === 'gdpu' ? '#8e44ad' : '#16a085'}));
  if (items.length) items[0].note = '(limits)';
  bars('fig-resources', items, 'us/inference');
}

function tileMap() {
  const c = 44, rows = D.grid_rows, cols = D.grid_cols;
  const s = fig('fig-tilemap', cols * c + 2, rows * c + 2);
  const byTile = {};
  D.tiles.forEach(t => { byTile[t.tile] = t; });
  for (let r = 0; r < rows; ++r) for (let k = 0; k < cols; ++k) {
    const id = r * cols + k, t = byTile[id];
    const li = t ? layerIndex[t.layer] : -1;
    const rect = el('rect', {x: 1 + k * c, y: 1 + r * c, width: c - 3, height: c - 3, rx: 4,
                             fill: t ? colour(li) : '#eee', class: 'tile'}, s);
    el('title', {}, rect, 'tile ' + id + ' (' + r + ',' + k + ')' + (t ? ': ' + t.layer + ' block ' + t.block_row +
       ',' + t.block_col + (t.replica ? ' copy ' + t.replica : '') : ': free'));
    el('text', {x: 1 + k * c + (c - 3) / 2, y: 1 + r * c + c / 2 + 2, 'text-anchor': 'middle'}, s, t ? li : '');
  }
  const legend = document.getElementById('tilemap-legend');
  D.layers.forEach((l, i) => {
    if (!l.tiles) return;
    const sp = document.createElement('span');
    sp.innerHTML = '<i style="background:' + colour(i) + '"></i>';
    sp.appendChild(document.createTextNode(i + ' ' + l.name + ' (' + l.tiles + ')'));
    legend.appendChild(sp);
  });
}

function layerCharts() {
  bars('fig-latency', D.layers.map((l, i) => ({label: l.name, value: (l.end_ns - l.start_ns) / 1000, colour: colour(i)})),
       'us');
  bars('fig-layer-energy', D.layers.map((l, i) => ({label: l.name, value: l.energy_pj / 1000, colour: colour(i)})), 'nJ');
}

function energy() {
  const e = D.energy_breakdown_pj, total = Object.values(e).reduce((a, b) => a + b, 0) || 1;
  bars('fig-energy', Object.keys(e).map(k => ({label: k, value: 100 * e[k] / total,
       colour: k === 'static' ? '#e69500' : '#4a7fc1', note: '(' + fmt(e[k] / 1e6) + ' uJ)'})), '%');
}

function timeline() {
  const T = D.timeline, names = [];
  T.inferences.forEach(inf => inf.layers.forEach(l => { if (!names.includes(l.name)) names.push(l.name); }));
  const rowH = 18, left = 170, width = 760, end = Math.max(...T.done_ns, 1);
  const s = fig('fig-timeline', left + width + 20, names.length * rowH + 40);
  const x = t => left + width * t / end;
  names.forEach((n, i) => el('text', {x: left - 6, y: 14 + i * rowH, 'text-anchor': 'end'}, s, n));
  T.inferences.forEach((inf, k) => inf.layers.forEach(l => {
    const i = names.indexOf(l.name);
    const r = el('rect', {x: x(l.start_ns), y: 4 + i * rowH, width: Math.max(1, x(l.end_ns) - x(l.start_ns)),
                          height: rowH - 5, fill: colour(k * 3 + 1), 'fill-opacity': 0.75, class: 'span'}, s);
    el('title', {}, r, 'inference ' + inf.inference + ', ' + l.name + ': ' + fmt(l.start_ns / 1000) + ' - ' +
       fmt(l.end_ns / 1000) + ' us');
  }));
  T.done_ns.forEach((d, k) => {
    el('line', {x1: x(d), x2: x(d), y1: 0, y2: names.length * rowH + 4, stroke: '#333', 'stroke-dasharray': '3,3'}, s);
    el('text', {x: x(d), y: names.length * rowH + 18, 'text-anchor': 'middle'}, s, 'done ' + k);
  });
  el('text', {x: left, y: names.length * rowH + 34}, s, '0');
  el('text', {x: left + width, y: names.length * rowH + 34, 'text-anchor': 'end'}, s, fmt(end / 1000) + ' us');
  const legend = document.getElementById('timeline-legend');
  T.inferences.forEach((inf, k) => {
    const sp = document.createElement('span');
    sp.innerHTML = '<i style="background:' + colour(k * 3 + 1) + '"></i>';
    sp.appendChild(document.createTextNode('inference ' + inf.inference));
    legend.appendChild(sp);
  });
}

function accuracy() {
  const A = D.accuracy;
  if (!A || !A.vs_time) return;
  document.getElementById('accuracy').style.display = '';
  const w = 560, h = 260, l = 50, b = 36, pts = A.vs_time;
  const s = fig('fig-accuracy', w, h);
  const lt = pts.map(p => Math.log10(Math.max(p.t_inference_s, 1e-3)));
  const tops = pts.map(p => 100 * p.top1).concat([100 * A.top1_float]);
  const x0 = Math.min(...lt) - 0.3, x1 = Math.max(...lt) + 0.3;
  const y0 = Math.floor(Math.min(...tops) - 2), y1 = Math.min(100, Math.ceil(Math.max(...tops) + 1));
  const X = v => l + (w - l - 20) * (v - x0) / (x1 - x0), Y = v => h - b - (h - b - 10) * (v - y0) / (y1 - y0);
  el('line', {x1: l, x2: w - 20, y1: h - b, y2: h - b, stroke: '#333'}, s);
  el('line', {x1: l, x2: l, y1: 10, y2: h - b, stroke: '#333'}, s);
  for (let d = Math.ceil(x0); d <= x1; ++d)
    el('text', {x: X(d), y: h - b + 14, 'text-anchor': 'middle'}, s, '1e' + d + ' s');
  [y0, (y0 + y1) / 2, y1].forEach(v => el('text', {x: l - 4, y: Y(v) + 4, 'text-anchor': 'end'}, s, fmt(v) + ' %'));
  el('line', {x1: l, x2: w - 20, y1: Y(100 * A.top1_float), y2: Y(100 * A.top1_float), stroke: '#999',
              'stroke-dasharray': '4,3'}, s);
  el('text', {x: w - 22, y: Y(100 * A.top1_float) - 4, 'text-anchor': 'end'}, s, 'float ' + fmt(100 * A.top1_float) + ' %');
  [[true, '#2c7be5', 'GDC on'], [false, '#d9534f', 'GDC off']].forEach(([g, c, name], k) => {
    const sel = pts.filter(p => p.gdc === g).sort((p, q) => p.t_inference_s - q.t_inference_s);
    if (!sel.length) return;
    const P = sel.map(p => [X(Math.log10(Math.max(p.t_inference_s, 1e-3))), Y(100 * p.top1)]);
    el('polyline', {points: P.map(p => p.join(',')).join(' '), fill: 'none', stroke: c, 'stroke-width': 2}, s);
    P.forEach((p, i) => { const m = el('circle', {cx: p[0], cy: p[1], r: 4, fill: c, class: 'point'}, s);
      el('title', {}, m, name + ', t = ' + fmt(sel[i].t_inference_s) + ' s: ' + fmt(100 * sel[i].top1) + ' %'); });
    el('text', {x: l + 10 + 80 * k, y: h - 6, fill: c}, s, name);
  });
  el('text', {x: (l + w) / 2, y: h - 6, 'text-anchor': 'middle'}, s, 'time after programming');
}

figures();
bottleneck();
tileMap();
layerCharts();
energy();
timeline();
accuracy();
document.body.setAttribute('data-rendered', 'true');
)JS";

}  // namespace aimcsim::html_page
