/**
 * The watch page's script (runs in the browser; compiled by
 * tsconfig.client.json, inlined into the page by page-html.ts). It keeps the
 * state the server's snapshot and deltas describe and draws it on canvases:
 * piece maps incrementally (only new pieces are painted), charts and the
 * unchoke graph at most once per animation frame, the feed as a bounded list.
 */
import type { Delta, FeedEntry, PeerView, RateBucket, Snapshot, UnchokeEdge, WatchStatus } from './messages';

const FEED_ROWS = 300;
const CHART_BUCKETS = 240;
const FLASH_MS = 1200;
/** Above this many peers the cards get smaller, so 50 peers fit on a screen or two. */
const MANY_PEERS = 16;
const EMPTY_CELL = '#e6eaf1';

interface PeerCard {
  view: PeerView;
  bits: Uint8Array;
  readonly root: HTMLElement;
  readonly map: HTMLCanvasElement;
  readonly badge: HTMLElement;
  readonly meta: HTMLElement;
  /** Pieces that arrived lately, with when they arrived (page time), for the flash. */
  readonly recent: Map<number, number>;
  /** The map needs a full repaint (new size, new bitfield). */
  full: boolean;
  layout?: MapLayout;
}

interface MapLayout {
  readonly cssWidth: number;
  readonly cell: number;
  readonly cols: number;
  /** Pieces per cell (1 unless the file has more pieces than the map has room for cells). */
  readonly group: number;
  readonly cells: number;
}

const state = {
  status: 'waiting' as WatchStatus | 'lost',
  verdict: undefined as string | undefined,
  origin: 0,
  latest: 0,
  bucketMs: 500,
  peers: new Map<number, PeerCard>(),
  order: [] as number[],
  buckets: new Map<number, RateBucket>(),
  edges: [] as UnchokeEdge[],
  dropped: 0,
  dirtyCharts: true,
  dirtyGraph: true,
};

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

// ------------------------------------------------------------------ messages

function onSnapshot(s: Snapshot): void {
  state.origin = s.origin;
  state.latest = s.latest;
  state.bucketMs = s.bucketMs;
  state.buckets.clear();
  for (const b of s.rates) state.buckets.set(b.index, b);
  for (const card of state.peers.values()) card.root.remove();
  state.peers.clear();
  state.order = [];
  for (const p of s.peers) upsertPeer(p);
  for (const [id, hex] of Object.entries(s.bitfields)) setBitfield(Number(id), hex, false);
  state.edges = s.unchokes.slice();
  $('feed').replaceChildren();
  addFeed(s.feed);
  setStatus(s.status, s.verdict);
  state.dirtyCharts = state.dirtyGraph = true;
}

function onDelta(d: Delta): void {
  state.origin = d.origin;
  state.latest = d.latest;
  for (const p of d.peers) upsertPeer(p);
  for (const [id, hex] of Object.entries(d.bitfields)) setBitfield(Number(id), hex, true);
  const now = performance.now();
  for (const [id, list] of Object.entries(d.pieces)) {
    const card = state.peers.get(Number(id));
    if (!card) continue;
    for (const index of list) {
      if (index >= card.bits.length * 8) continue;
      card.bits[index >> 3]! |= 0x80 >> (index & 7);
      card.recent.set(index, now);
    }
  }
  if (d.unchokes) state.edges = d.unchokes.slice();
  for (const b of d.rates) state.buckets.set(b.index, b);
  while (state.buckets.size > CHART_BUCKETS * 4) state.buckets.delete(Math.min(...state.buckets.keys()));
  addFeed(d.feed);
  state.dropped += d.feedDropped;
  setStatus(d.status, d.verdict);
  state.dirtyCharts = state.dirtyGraph = true;
}

function setStatus(status: WatchStatus | 'lost', verdict: string | undefined): void {
  state.status = status;
  const pill = $('status');
  pill.className = `pill ${status}`;
  pill.textContent = status === 'lost' ? 'disconnected' : status;
  if (verdict !== undefined && verdict !== state.verdict) {
    state.verdict = verdict;
    const v = $('verdict');
    v.hidden = false;
    v.textContent = verdict;
    v.classList.toggle('bad', !/\bOK\b/.test(verdict));
  }
}

// ------------------------------------------------------------------ peers and piece maps

/** Ten well-separated colours (Tableau 10), then hues a golden angle apart. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function colorOf(id: number): string {
  const i = Math.max(0, state.order.indexOf(id));
  if (state.order.length <= PALETTE.length) return PALETTE[i]!;
  return `hsl(${(i * 137.508 + 210) % 360} 60% 52%)`;
}

function upsertPeer(view: PeerView): void {
  let card = state.peers.get(view.id);
  if (!card) {
    const grid = $('peers');
    grid.querySelector('.empty')?.remove();
    const root = document.createElement('div');
    root.className = 'peer';
    root.dataset['peer'] = String(view.id);
    root.innerHTML = '<div class="top"><span class="dot"></span><span class="name"></span><span class="badge"></span></div><canvas class="map"></canvas><div class="meta"></div>';
    (root.querySelector('.name') as HTMLElement).textContent = `peer ${view.id}`;
    card = {
      view,
      bits: new Uint8Array(Math.ceil(view.total / 8)),
      root,
      map: root.querySelector('canvas') as HTMLCanvasElement,
      badge: root.querySelector('.badge') as HTMLElement,
      meta: root.querySelector('.meta') as HTMLElement,
      recent: new Map(),
      full: true,
    };
    state.peers.set(view.id, card);
    state.order = [...state.peers.keys()].sort((a, b) => a - b);
    const next = state.order[state.order.indexOf(view.id) + 1];
    grid.insertBefore(root, next === undefined ? null : state.peers.get(next)!.root);
    const many = state.peers.size > MANY_PEERS;
    if (grid.classList.contains('many') !== many) {
      grid.classList.toggle('many', many);
      for (const c of state.peers.values()) if (c !== card) renderBadge(c);
    }
    // Colours follow the order: every card's dot may change.
    for (const c of state.peers.values()) {
      (c.root.querySelector('.dot') as HTMLElement).style.background = colorOf(c.view.id);
      c.full = true;
    }
  }
  if (view.total !== card.view.total) {
    card.bits = new Uint8Array(Math.ceil(view.total / 8));
    card.full = true;
  }
  card.view = view;
  card.root.classList.toggle('complete', view.complete);
  card.root.dataset['have'] = String(view.have);
  card.root.dataset['total'] = String(view.total);
  renderBadge(card);
}

function renderBadge(card: PeerCard): void {
  const { view } = card;
  const pct = view.total === 0 ? 0 : Math.floor((100 * view.have) / view.total);
  const many = state.peers.size > MANY_PEERS;
  card.badge.textContent = view.total === 0 ? '…' : view.seeder ? 'seeder' : view.complete ? (many ? '✓' : 'complete ✓') : `${pct}%`;
}

function setBitfield(id: number, hex: string, flash: boolean): void {
  const card = state.peers.get(id);
  if (!card) return;
  const bits = new Uint8Array(Math.ceil(card.view.total / 8));
  for (let i = 0; i < bits.length && 2 * i + 1 < hex.length; i++) bits[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  card.bits = bits;
  card.full = true;
  if (!flash) card.recent.clear();
}

function has(bits: Uint8Array, index: number): boolean {
  return (bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}

function layoutMap(card: PeerCard): MapLayout {
  const cssWidth = Math.max(60, Math.floor(card.map.clientWidth || 200));
  const total = Math.max(1, card.view.total);
  const targetHeight = state.peers.size > MANY_PEERS ? 36 : 72;
  let cell = Math.floor(Math.sqrt((cssWidth * targetHeight) / total));
  cell = Math.min(14, Math.max(4, cell));
  const cols = Math.max(1, Math.floor(cssWidth / cell));
  const maxRows = Math.max(1, Math.floor((targetHeight * 1.5) / cell));
  const group = Math.max(1, Math.ceil(total / (cols * maxRows)));
  const cells = Math.ceil(total / group);
  const rows = Math.ceil(cells / cols);
  const dpr = window.devicePixelRatio || 1;
  card.map.style.height = `${rows * cell}px`;
  card.map.width = Math.round(cssWidth * dpr);
  card.map.height = Math.round(rows * cell * dpr);
  const ctx = card.map.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { cssWidth, cell, cols, group, cells };
}

/** Paints one cell: its share of held pieces in the peer's colour, mixed with white while it flashes. */
function paintCell(ctx: CanvasRenderingContext2D, card: PeerCard, layout: MapLayout, c: number, now: number): void {
  const { cell, cols, group } = layout;
  const first = c * group;
  const last = Math.min(card.view.total, first + group);
  let held = 0;
  let flash = 0;
  for (let i = first; i < last; i++) {
    if (has(card.bits, i)) held++;
    const at = card.recent.get(i);
    if (at !== undefined) flash = Math.max(flash, 1 - (now - at) / FLASH_MS);
  }
  const x = (c % cols) * cell;
  const y = Math.floor(c / cols) * cell;
  const gap = cell >= 4 ? 1 : 0;
  ctx.clearRect(x, y, cell, cell);
  ctx.fillStyle = EMPTY_CELL;
  ctx.fillRect(x, y, cell - gap, cell - gap);
  if (held === 0) return;
  ctx.globalAlpha = held / (last - first);
  ctx.fillStyle = colorOf(card.view.id);
  ctx.fillRect(x, y, cell - gap, cell - gap);
  if (flash > 0) {
    ctx.globalAlpha = 0.75 * flash;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(x, y, cell - gap, cell - gap);
  }
  ctx.globalAlpha = 1;
}

function drawMaps(now: number): void {
  for (const card of state.peers.values()) {
    const width = Math.floor(card.map.clientWidth || 200);
    if (!card.layout || card.layout.cssWidth !== width) card.full = true;
    if (card.full) {
      card.layout = layoutMap(card);
      const ctx = card.map.getContext('2d')!;
      for (let c = 0; c < card.layout.cells; c++) paintCell(ctx, card, card.layout, c, now);
      card.full = false;
    } else if (card.recent.size > 0 && card.layout) {
      const layout = card.layout;
      const ctx = card.map.getContext('2d')!;
      const cells = new Set<number>();
      for (const [index, at] of card.recent) {
        cells.add(Math.floor(index / layout.group));
        if (now - at > FLASH_MS) card.recent.delete(index);
      }
      for (const c of cells) paintCell(ctx, card, layout, c, now);
    }
  }
}

function drawPeerFigures(): void {
  for (const card of state.peers.values()) {
    const [down, up] = recentRate(card.view.id);
    card.meta.innerHTML = `<span>${card.view.have}/${card.view.total}</span><span><span class="down">↓ ${formatRate(down)}</span> · <span class="up">↑ ${formatRate(up)}</span></span>`;
  }
}

// ------------------------------------------------------------------ rates

/** The bucket that is still filling (left out of rates: it would look like a drop). */
function openBucket(): number {
  return Math.floor((state.latest - state.origin) / state.bucketMs);
}

function recentRate(id: number): [number, number] {
  if (state.status === 'finished') return [0, 0];
  const last = openBucket() - 1;
  let down = 0;
  let up = 0;
  for (const i of [last, last - 1]) {
    for (const [peer, d, u] of state.buckets.get(i)?.bytes ?? []) {
      if (peer !== id) continue;
      down += d;
      up += u;
    }
  }
  return [down / ((2 * state.bucketMs) / 1000), up / ((2 * state.bucketMs) / 1000)];
}

function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond <= 0) return '0 B/s';
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
  let v = bytesPerSecond;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

function sizeCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

/** A stacked area chart of one direction's rate per peer over the latest buckets. */
function drawChart(canvas: HTMLCanvasElement, column: 1 | 2): void {
  const { ctx, w, h } = sizeCanvas(canvas);
  const pad = { left: 58, right: 8, top: 6, bottom: 18 };
  const end = state.status === 'finished' ? openBucket() + 1 : openBucket();
  const indices = [...state.buckets.keys()];
  const first = Math.max(indices.length ? Math.min(...indices) : 0, end - CHART_BUCKETS);
  const span = Math.max(4, end - first);
  const perSecond = 1000 / state.bucketMs;
  const stacks: number[][] = [];
  let max = 0;
  for (let i = first; i < end; i++) {
    const bytes = new Map<number, number>();
    for (const row of state.buckets.get(i)?.bytes ?? []) bytes.set(row[0], row[column] * perSecond);
    let sum = 0;
    stacks.push(state.order.map((id) => (sum += bytes.get(id) ?? 0)));
    max = Math.max(max, sum);
  }
  const top = niceCeiling(max);
  const x = (i: number): number => pad.left + ((i - first) / span) * (w - pad.left - pad.right);
  const y = (v: number): number => h - pad.bottom - (v / top) * (h - pad.top - pad.bottom);
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#6b7689';
  ctx.strokeStyle = '#eef1f6';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, Math.round(y(v)) + 0.5);
    ctx.lineTo(w - pad.right, Math.round(y(v)) + 0.5);
    ctx.stroke();
    ctx.fillText(formatRate(v), pad.left - 6, y(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const seconds = (span * state.bucketMs) / 1000;
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300].find((s) => seconds / s <= 6) ?? 600;
  for (let s = Math.ceil((first * state.bucketMs) / 1000 / step) * step; s <= ((first + span) * state.bucketMs) / 1000; s += step) {
    ctx.fillText(`${s}s`, x((s * 1000) / state.bucketMs), h - pad.bottom + 4);
  }
  if (stacks.length === 0 || max === 0) {
    ctx.fillText(state.status === 'waiting' ? 'no data yet' : 'no traffic', (pad.left + w) / 2, h / 2 - 6);
    return;
  }
  // Each bucket's value is drawn at its middle.
  const cx = (k: number): number => x(first + k + 0.5);
  for (let p = state.order.length - 1; p >= 0; p--) {
    ctx.beginPath();
    ctx.moveTo(cx(0), y(0));
    stacks.forEach((s, k) => ctx.lineTo(cx(k), y(s[p]!)));
    ctx.lineTo(cx(stacks.length - 1), y(0));
    ctx.closePath();
    ctx.fillStyle = colorOf(state.order[p]!);
    ctx.globalAlpha = 0.85;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
}

function niceCeiling(v: number): number {
  if (v <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= v) ?? 10) * magnitude;
}

// ------------------------------------------------------------------ unchoke graph

function drawGraph(): void {
  const canvas = $<HTMLCanvasElement>('graph');
  const { ctx, w, h } = sizeCanvas(canvas);
  const n = state.order.length;
  if (n === 0) return;
  const node = Math.max(4, Math.min(13, (Math.PI * (Math.min(w, h) / 2 - 40)) / n / 1.6));
  const r = Math.min(w, h) / 2 - node - (n <= 24 ? 24 : 8);
  const pos = new Map<number, { x: number; y: number }>();
  state.order.forEach((id, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos.set(id, { x: w / 2 + r * Math.cos(a), y: h / 2 + r * Math.sin(a) });
  });
  for (const e of state.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    // Bend every edge to its right, so A→B and B→A are two distinct curves.
    const mx = (a.x + b.x) / 2;
    const my = (a.y + b.y) / 2;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const bend = Math.min(40, len * 0.18);
    const qx = mx - (dy / len) * bend;
    const qy = my + (dx / len) * bend;
    // Stop at the target node's rim.
    const tx = b.x - qx;
    const ty = b.y - qy;
    const tl = Math.hypot(tx, ty) || 1;
    const ex = b.x - (tx / tl) * (node + 2);
    const ey = b.y - (ty / tl) * (node + 2);
    ctx.strokeStyle = e.optimistic ? '#e08a00' : 'rgba(70,84,112,.75)';
    ctx.fillStyle = ctx.strokeStyle;
    ctx.lineWidth = e.optimistic ? 1.6 : 1.3;
    ctx.setLineDash(e.optimistic ? [5, 4] : []);
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.quadraticCurveTo(qx, qy, ex, ey);
    ctx.stroke();
    ctx.setLineDash([]);
    const ang = Math.atan2(ey - qy, ex - qx);
    const head = 7;
    ctx.beginPath();
    ctx.moveTo(ex, ey);
    ctx.lineTo(ex - head * Math.cos(ang - 0.4), ey - head * Math.sin(ang - 0.4));
    ctx.lineTo(ex - head * Math.cos(ang + 0.4), ey - head * Math.sin(ang + 0.4));
    ctx.closePath();
    ctx.fill();
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const id of state.order) {
    const p = pos.get(id)!;
    const card = state.peers.get(id)!;
    const frac = card.view.total === 0 ? 0 : card.view.have / card.view.total;
    ctx.beginPath();
    ctx.arc(p.x, p.y, node, 0, 2 * Math.PI);
    ctx.fillStyle = '#ffffff';
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = colorOf(id);
    ctx.stroke();
    if (frac > 0) {
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.arc(p.x, p.y, node - 1, -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * frac);
      ctx.closePath();
      ctx.fillStyle = colorOf(id);
      ctx.fill();
    }
    if (n <= 24) {
      const a = Math.atan2(p.y - h / 2, p.x - w / 2);
      ctx.fillStyle = '#2a3347';
      ctx.font = '600 10px system-ui, sans-serif';
      ctx.fillText(String(id), p.x + Math.cos(a) * (node + 12), p.y + Math.sin(a) * (node + 9));
    }
  }
}

// ------------------------------------------------------------------ feed

function addFeed(entries: readonly FeedEntry[]): void {
  if (entries.length === 0) return;
  const list = $('feed');
  const fragment = document.createDocumentFragment();
  for (let k = entries.length - 1; k >= 0; k--) {
    const e = entries[k]!;
    const li = document.createElement('li');
    li.className = e.category;
    const t = document.createElement('span');
    t.className = 't';
    t.textContent = `${((e.at - state.origin) / 1000).toFixed(2)}s`;
    const p = document.createElement('span');
    p.className = 'p';
    p.textContent = String(e.peer);
    p.style.color = colorOf(e.peer);
    const x = document.createElement('span');
    x.className = 'x';
    x.textContent = e.text;
    li.append(t, p, x);
    fragment.append(li);
  }
  list.prepend(fragment);
  while (list.childElementCount > FEED_ROWS) list.lastElementChild!.remove();
}

// ------------------------------------------------------------------ header and loop

function drawHeader(): void {
  const cards = [...state.peers.values()];
  const complete = cards.filter((c) => c.view.complete).length;
  $('stat-complete').textContent = cards.length === 0 ? '–' : `${complete}/${cards.length}`;
  $('stat-elapsed').textContent = state.status === 'waiting' ? '–' : `${((state.latest - state.origin) / 1000).toFixed(1)} s`;
  let down = 0;
  for (const c of cards) down += recentRate(c.view.id)[0];
  $('stat-rate').textContent = formatRate(down);
  $('dropped').textContent = state.dropped > 0 ? `(${state.dropped} busy entries not shown)` : '';
}

function frame(now: number): void {
  drawMaps(now);
  if (state.dirtyCharts) {
    drawChart($<HTMLCanvasElement>('down-chart'), 1);
    drawChart($<HTMLCanvasElement>('up-chart'), 2);
    drawHeader();
    drawPeerFigures();
    state.dirtyCharts = false;
  }
  if (state.dirtyGraph) {
    drawGraph();
    state.dirtyGraph = false;
  }
  requestAnimationFrame(frame);
}

function start(): void {
  for (const box of document.querySelectorAll<HTMLInputElement>('#filters input')) {
    box.addEventListener('change', () => $('feed').classList.toggle(`hide-${box.dataset['category']}`, !box.checked));
  }
  window.addEventListener('resize', () => {
    state.dirtyCharts = state.dirtyGraph = true;
  });
  const source = new EventSource('events');
  source.addEventListener('snapshot', (m) => onSnapshot(JSON.parse((m as MessageEvent<string>).data) as Snapshot));
  source.addEventListener('delta', (m) => onDelta(JSON.parse((m as MessageEvent<string>).data) as Delta));
  source.addEventListener('error', () => {
    // The server is gone (the swarm command ended): keep what is shown, say so.
    if (source.readyState !== EventSource.OPEN) setStatus('lost', undefined);
  });
  requestAnimationFrame(frame);
}

start();
