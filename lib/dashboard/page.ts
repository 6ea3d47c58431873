/**
 * The dashboard's HTML: one small page that makes no request but for `/dashboard.js` (its only
 * script, so it works under the handler's `script-src 'self'` CSP) and the JSON API. Styles are
 * inline (uPlot's stylesheet and the page's own); the controls and the chart containers it fills are
 * here with stable ids, which the browser test (and anyone scripting the page) relies on.
 */

/** Replaced by the configured windows (JSON, attribute-escaped) when the page is served. */
export const WINDOWS_MARKER = '__WINDROW_WINDOWS__';

/** Ranges offered, as `since=` durations of `GET /v1/query`. */
export const RANGES = ['15m', '1h', '6h', '24h', '7d'] as const;
export const DEFAULT_RANGE = '1h';

/** Auto refresh choices, in ms (0: off). */
export const REFRESH_MS = { off: 0, '5s': 5_000, '10s': 10_000, '30s': 30_000, '1m': 60_000 } as const;
export const DEFAULT_REFRESH = '10s';

const PAGE_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--accent:#0969da;--bad:#cf222e;
font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
*{box-sizing:border-box}
body{margin:0}
header{display:flex;align-items:baseline;gap:16px;padding:10px 20px;background:var(--card);border-bottom:1px solid var(--line)}
h1{font-size:18px;margin:0;letter-spacing:.02em}
h2{font-size:15px;margin:0 0 8px}
h3{font-size:13px;margin:0 0 4px;font-weight:600}
#status{margin:0;color:var(--muted);flex:1;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#status[data-state=error]{color:var(--bad)}
form{padding:10px 20px;display:grid;gap:8px;background:var(--card);border-bottom:1px solid var(--line)}
.row{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:end}
label{display:inline-flex;flex-direction:column;gap:2px;font-size:12px;color:var(--muted)}
label.check{flex-direction:row;align-items:center;gap:4px;color:var(--fg);font-size:13px}
select,input,button{font:inherit;font-size:13px;color:var(--fg);padding:3px 6px;border:1px solid var(--line);border-radius:4px;background:var(--card)}
select#metric{min-width:260px}
button{cursor:pointer}
button:hover{border-color:var(--accent)}
input[aria-invalid=true]{border-color:var(--bad)}
fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}
fieldset[disabled]{opacity:.5}
legend{float:left;font-size:12px;color:var(--muted);margin-right:8px;padding:0}
#filter-list{display:contents}
.filter{display:inline-flex;gap:2px}
.filter input{width:190px}
main{padding:12px 20px;display:grid;gap:16px}
#charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,540px),1fr));gap:12px}
.chart{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px 10px;min-width:0}
.chart .note{margin:4px 0 0;color:var(--muted);font-size:12px}
.chart .empty{height:120px;display:flex;align-items:center;justify-content:center;color:var(--muted)}
#compare-section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px}
#compare-section .row{margin-bottom:8px}
#tiers{display:grid;grid-template-columns:repeat(var(--tiers,3),minmax(0,1fr));gap:10px}
#tiers .chart{border-color:var(--bg)}
.uplot{width:auto}
.u-legend{font-size:12px;text-align:left}
.u-legend .u-series>*{padding:1px 4px}
`;

/**
 * @param uplotCss uPlot's stylesheet (`uplot/dist/uPlot.min.css`), inlined.
 * @example const html = renderPage(readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'));
 */
export function renderPage(uplotCss: string): string {
  const ranges = RANGES.map(
    (r) => `<option value="${r}"${r === DEFAULT_RANGE ? ' selected' : ''}>last ${r}</option>`,
  ).join('');
  const refreshes = Object.keys(REFRESH_MS)
    .map((r) => `<option value="${r}"${r === DEFAULT_REFRESH ? ' selected' : ''}>${r}</option>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="windrow-windows" content="${WINDOWS_MARKER}">
<title>windrow</title>
<link rel="icon" href="data:,">
<style>${styleText(uplotCss)}</style>
<style>${PAGE_CSS}</style>
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
<h1>windrow</h1>
<p id="status" role="status" aria-live="polite" data-state="loading">loading…</p>
</header>
<form id="controls" autocomplete="off">
<div class="row">
<label for="metric">Metric<select id="metric" name="metric"></select></label>
<label for="window">Window<select id="window" name="window"><option value="tumbling">tumbling</option><option value="sliding">sliding</option><option value="session">session</option></select></label>
<label for="tier">Tier<select id="tier" name="tier"><option value="auto">auto</option></select></label>
<label for="range">Range<select id="range" name="range">${ranges}</select></label>
<label for="refresh">Auto refresh<select id="refresh" name="refresh">${refreshes}</select></label>
</div>
<fieldset id="stats"><legend>Stats</legend></fieldset>
<fieldset id="filters"><legend>Filters</legend><div id="filter-list"></div><button type="button" id="add-filter" title="attr.KEY=VALUE or resource.KEY=VALUE">+ filter</button></fieldset>
<fieldset id="group-by"><legend>Group by</legend></fieldset>
<datalist id="filter-suggestions"></datalist>
</form>
<main>
<section id="charts" aria-label="charts"></section>
<section id="compare-section" aria-labelledby="compare-title">
<h2 id="compare-title">Tiers side by side</h2>
<div class="row">
<label for="compare-series">Series<select id="compare-series" name="compare-series"></select></label>
<label for="compare-stat">Stat<select id="compare-stat" name="compare-stat"></select></label>
</div>
<div id="tiers" aria-label="one chart per tier"></div>
</section>
</main>
<noscript>The dashboard needs JavaScript (its only script is /dashboard.js).</noscript>
</body>
</html>
`;
}

/** A stylesheet never ends its `<style>` element early, whatever it holds. */
function styleText(css: string): string {
  return css.replace(/<\/style/gi, '<\\/style');
}
