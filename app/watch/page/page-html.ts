import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../../core/paths';

/** The page script, compiled for the browser by tsconfig.client.json (npm run build). */
export const PAGE_SCRIPT = path.join(PACKAGE_ROOT, 'dist', 'watch-page', 'client.js');

/**
 * The whole watch page as one HTML document: styles and script inline, no
 * font, image or library fetched from anywhere, so it works with no network.
 */
export function renderWatchPage(title: string): string {
  let script: string;
  try {
    script = fs.readFileSync(PAGE_SCRIPT, 'utf8');
  } catch {
    throw new Error(`the watch page's script ${PAGE_SCRIPT} is missing: run "npm run build"`);
  }
  // A "</script" inside the code would end the inline script early.
  script = script.replace(/<\/script/gi, '<\\/script').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>swarmlab watch · ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <div class="brand"><svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true"><circle cx="11" cy="4" r="3"/><circle cx="4" cy="16" r="3"/><circle cx="18" cy="16" r="3"/><path d="M11 4L4 16L18 16Z" fill="none" stroke-width="1.4"/></svg>swarmlab <span>watch</span></div>
  <div class="where" id="title">${escapeHtml(title)}</div>
  <div class="stats">
    <div><b id="stat-complete">–</b><small>copies complete</small></div>
    <div><b id="stat-elapsed">–</b><small>elapsed</small></div>
    <div><b id="stat-rate">–</b><small>swarm download</small></div>
  </div>
  <span id="status" class="pill waiting">connecting</span>
</header>
<div id="verdict" hidden></div>
<main>
  <section class="left">
    <div class="panel">
      <div class="charts">
        <div><h2>Download rate by peer</h2><canvas id="down-chart" class="chart"></canvas></div>
        <div><h2>Upload rate by peer</h2><canvas id="up-chart" class="chart"></canvas></div>
      </div>
    </div>
    <div class="panel">
      <h2>Piece maps <small>one cell per piece, filled when the peer holds it; new pieces flash</small></h2>
      <div id="peers" class="peer-grid"><p class="empty">Waiting for the peers' event streams (log_peer_&lt;id&gt;.jsonl)…</p></div>
    </div>
  </section>
  <aside class="right">
    <div class="panel">
      <h2>Who unchokes whom</h2>
      <canvas id="graph"></canvas>
      <div class="legend"><span><i class="line preferred"></i>preferred</span><span><i class="line optimistic"></i>optimistic</span><span>arrow: uploader → downloader</span></div>
    </div>
    <div class="panel feed-panel">
      <h2>Events <span id="dropped"></span></h2>
      <div class="filters" id="filters">
        <label><input type="checkbox" data-category="piece" checked>pieces</label>
        <label><input type="checkbox" data-category="choke" checked>choking</label>
        <label><input type="checkbox" data-category="connection" checked>connections</label>
        <label><input type="checkbox" data-category="done" checked>completion</label>
        <label><input type="checkbox" data-category="problem" checked>problems</label>
      </div>
      <ol id="feed"></ol>
    </div>
  </aside>
</main>
<script type="module">${script}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root { --bg:#f4f6fa; --panel:#fff; --ink:#1c2433; --muted:#6b7689; --line:#e3e8f0; --empty:#e6eaf1; --accent:#2f6fed; --good:#1f9d55; --warn:#d98e04; --bad:#d64545; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header { display:flex; align-items:center; gap:24px; padding:10px 20px; background:#141b2d; color:#e8edf7; }
.brand { display:flex; align-items:center; gap:8px; font-weight:650; font-size:16px; letter-spacing:.2px; }
.brand span { font-weight:400; color:#8fa3c8; }
.brand svg { fill:#5b8def; stroke:#5b8def; }
.where { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color:#b9c6de; flex:1; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.stats { display:flex; gap:22px; }
.stats div { display:flex; flex-direction:column; align-items:flex-end; }
.stats b { font-size:16px; font-variant-numeric:tabular-nums; }
.stats small { color:#8fa3c8; font-size:11px; }
.pill { padding:3px 10px; border-radius:999px; font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.5px; }
.pill.waiting { background:#3a4560; color:#cfd8ea; }
.pill.running { background:#2f6fed; color:#fff; }
.pill.finished { background:#1f9d55; color:#fff; }
.pill.lost { background:#d64545; color:#fff; }
#verdict { padding:8px 20px; background:#e7f6ee; color:#17603a; font-weight:600; border-bottom:1px solid #c6e9d4; }
#verdict.bad { background:#fdecec; color:#8e2222; border-color:#f5c9c9; }
main { display:grid; grid-template-columns:minmax(0,1fr) 380px; gap:14px; padding:14px 20px; }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:10px; padding:12px 14px; margin-bottom:14px; box-shadow:0 1px 2px rgba(20,30,60,.04); }
h2 { margin:0 0 8px; font-size:13px; font-weight:650; color:#2a3347; }
h2 small { font-weight:400; color:var(--muted); margin-left:6px; }
.charts { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
canvas.chart { width:100%; height:150px; display:block; }
.peer-grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(200px, 1fr)); gap:10px; }
.peer-grid.many { grid-template-columns:repeat(auto-fill, minmax(150px, 1fr)); gap:8px; }
.peer-grid.many .peer { padding:6px 7px 5px; }
.peer-grid.many .meta { font-size:10px; }
.peer { border:1px solid var(--line); border-radius:8px; padding:8px 9px 7px; background:#fbfcfe; }
.peer.complete { border-color:#bfe3cd; }
.peer .top { display:flex; align-items:center; gap:6px; margin-bottom:6px; }
.peer .dot { width:9px; height:9px; border-radius:50%; flex:none; }
.peer .name { font-weight:650; white-space:nowrap; }
.peer .badge { white-space:nowrap; margin-left:auto; font-size:11px; padding:1px 7px; border-radius:999px; background:#eef2f8; color:#49536a; font-variant-numeric:tabular-nums; }
.peer.complete .badge { background:#e3f5ea; color:#17603a; }
.peer canvas.map { width:100%; display:block; }
.peer .meta { display:flex; justify-content:space-between; margin-top:5px; color:var(--muted); font-size:11px; font-variant-numeric:tabular-nums; }
.peer .meta .down { color:#2f6fed; } .peer .meta .up { color:#d9730d; }
.empty { color:var(--muted); margin:6px 0; }
#graph { width:100%; height:340px; display:block; }
.legend { display:flex; gap:14px; color:var(--muted); font-size:11px; margin-top:4px; flex-wrap:wrap; }
.legend .line { display:inline-block; width:22px; height:0; border-top:2px solid #55637d; vertical-align:middle; margin-right:5px; }
.legend .line.optimistic { border-top:2px dashed #e08a00; }
.feed-panel { display:flex; flex-direction:column; }
.filters { display:flex; flex-wrap:wrap; gap:4px 12px; color:var(--muted); font-size:11px; margin-bottom:6px; }
.filters input { margin:0 4px 0 0; vertical-align:-2px; }
#dropped { font-weight:400; color:var(--muted); font-size:11px; }
#feed { list-style:none; margin:0; padding:0; height:430px; overflow-y:auto; font-size:12px; border-top:1px solid var(--line); }
#feed li { display:grid; grid-template-columns:52px 48px 1fr; gap:6px; padding:3px 2px; border-bottom:1px solid #f0f3f8; }
#feed .t { color:var(--muted); font-variant-numeric:tabular-nums; text-align:right; }
#feed .p { font-weight:600; }
#feed li.done .x { color:var(--good); font-weight:600; }
#feed li.problem .x { color:var(--bad); }
#feed li.choke .x { color:#4a5570; }
#feed.hide-piece li.piece, #feed.hide-choke li.choke, #feed.hide-connection li.connection, #feed.hide-done li.done, #feed.hide-problem li.problem { display:none; }
@media (max-width: 1000px) { main { grid-template-columns:1fr; } .charts { grid-template-columns:1fr; } }
`;
