/**
 * The playground's stylesheet (inlined in the page; allowed by its hash in the Content-Security-Policy).
 * @module
 */

export const PLAYGROUND_CSS = `
:root {
  --bg: #f6f7f9;
  --panel: #ffffff;
  --text: #1d2330;
  --muted: #6b7280;
  --border: #dfe3ea;
  --accent: #2f5bd3;
  --accent-soft: #e8eefc;
  --on-accent: #ffffff;
  --kept: #e3f4e8;
  --kept-border: #a8dbb6;
  --dropped: #9aa1ad;
  --skeleton: #fff4d6;
  --error-bg: #fdecec;
  --error-border: #f1b3b3;
  --error-text: #9b1c1c;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c;
    --panel: #1c2027;
    --text: #e4e7ec;
    --muted: #9aa3b2;
    --border: #2e343e;
    --accent: #7ea2ff;
    --accent-soft: #233152;
    --on-accent: #0d1424;
    --kept: #1f3b2a;
    --kept-border: #2f6b45;
    --dropped: #6c7480;
    --skeleton: #3d3520;
    --error-bg: #3a1d1d;
    --error-border: #6e2b2b;
    --error-text: #ffb4b4;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; }
body {
  background: var(--bg);
  color: var(--text);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  display: flex;
  flex-direction: column;
  min-height: 100vh;
}
/* Wide and tall enough: the two panes fill the window and their text areas scroll; otherwise the page scrolls. */
@media (min-width: 901px) and (min-height: 640px) {
  body { height: 100vh; }
  .panes { min-height: 0; }
}
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.bar {
  display: flex; align-items: center; gap: 16px; flex-wrap: wrap;
  padding: 10px 20px; background: var(--panel); border-bottom: 1px solid var(--border);
}
.bar h1 { font-size: 17px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
.bar h1 span { color: var(--muted); font-weight: 400; }
.bar .key { display: flex; align-items: center; gap: 8px; margin-left: auto; }
.bar .key input { width: 240px; }
.status { color: var(--muted); font-size: 13px; min-width: 120px; text-align: right; }
.bar .key + .status { margin-left: 0; }
.bar h1 + .status, .bar h1 + .key[hidden] + .status { margin-left: auto; }
.status.busy::before {
  content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 6px; border-radius: 50%;
  background: var(--accent); animation: pulse 0.9s ease-in-out infinite alternate;
}
@keyframes pulse { from { opacity: 0.25; } to { opacity: 1; } }
.panes {
  flex: 1;
  display: grid; grid-template-columns: minmax(320px, 5fr) 7fr; gap: 16px; padding: 16px 20px 20px;
}
@media (max-width: 900px) {
  .panes { grid-template-columns: 1fr; }
  .views-body.split { grid-template-columns: minmax(0, 1fr); }
  .scroll { max-height: 70vh; }
}
.pane {
  background: var(--panel); border: 1px solid var(--border); border-radius: 10px;
  padding: 14px 16px; display: flex; flex-direction: column; gap: 12px; min-width: 0; min-height: 0;
}
.pane h2 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 0; font-weight: 600; }
.row { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.row > label, fieldset legend, .field > label { font-weight: 600; font-size: 13px; }
.field { display: flex; flex-direction: column; gap: 4px; }
.hint { color: var(--muted); font-size: 12.5px; }
.grow { flex: 1; }
.hint.row { min-height: 19px; gap: 12px; }
input[type="text"], input[type="password"], input[type="number"], select, textarea {
  font: inherit; color: inherit; background: var(--panel);
  border: 1px solid var(--border); border-radius: 6px; padding: 6px 8px;
}
input:focus-visible, select:focus-visible, textarea:focus-visible, button:focus-visible {
  outline: 2px solid var(--accent); outline-offset: 1px;
}
button {
  font: inherit; font-size: 13px; color: var(--text); background: var(--panel); cursor: pointer;
  border: 1px solid var(--border); border-radius: 6px; padding: 5px 10px;
}
button:hover { border-color: var(--accent); }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
button:disabled { opacity: 0.5; cursor: default; }
button[aria-pressed="true"] { background: var(--accent-soft); border-color: var(--accent); color: var(--accent); }
.drop { position: relative; flex: 1; min-height: 220px; display: flex; }
.drop textarea {
  flex: 1; width: 100%; resize: none; font: 13px/1.5 var(--mono); padding: 10px 12px;
}
.drop.dragging textarea { border: 2px dashed var(--accent); background: var(--accent-soft); }
fieldset { border: 1px solid var(--border); border-radius: 8px; margin: 0; padding: 8px 12px 10px; display: flex; flex-direction: column; gap: 8px; }
.seg { display: inline-flex; gap: 14px; }
.seg label { display: inline-flex; align-items: center; gap: 4px; font-weight: 400; }
input[type="range"] { flex: 1; accent-color: var(--accent); min-width: 140px; }
output { font-variant-numeric: tabular-nums; min-width: 44px; text-align: right; font-weight: 600; }
.result-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.result-head h2 { margin-right: auto; }
.group { display: inline-flex; }
.group button { border-radius: 0; margin-left: -1px; }
.group button:first-child { border-radius: 6px 0 0 6px; margin-left: 0; }
.group button:last-child { border-radius: 0 6px 6px 0; }
.stats { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 8px; margin: 0; }
.stats > div { background: var(--bg); border: 1px solid var(--border); border-radius: 8px; padding: 6px 10px; min-width: 0; }
.stats dt { font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.stats dd { margin: 0; font-size: 18px; font-weight: 650; font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stats dd small { font-size: 12px; font-weight: 400; color: var(--muted); }
.error {
  background: var(--error-bg); border: 1px solid var(--error-border); color: var(--error-text);
  border-radius: 8px; padding: 8px 12px; white-space: pre-wrap; overflow-wrap: anywhere;
}
.error strong { margin-right: 6px; }
.legend { display: flex; gap: 14px; align-items: center; color: var(--muted); font-size: 12.5px; flex-wrap: wrap; }
.views-body { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; }
.views-body.split { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.col { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.col h3 { font-size: 12px; margin: 0 0 6px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; }
.scroll {
  flex: 1; min-height: 200px; overflow: auto; border: 1px solid var(--border); border-radius: 8px;
  padding: 10px 12px; background: var(--panel);
}
.stale .scroll, .stale .stats { opacity: 0.55; }
.doc-text, .output {
  margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.6 var(--mono);
}
.placeholder { color: var(--muted); font-style: italic; font-family: inherit; }
mark.kept { background: var(--kept); color: inherit; border-radius: 2px; }
del.dropped { color: var(--dropped); text-decoration: line-through; text-decoration-color: var(--dropped); }
span.skeleton { background: var(--skeleton); border-radius: 3px; }
.swatch { display: inline-block; padding: 0 6px; border-radius: 3px; font-family: var(--mono); font-size: 12px; }
.card { border: 1px solid var(--border); border-radius: 8px; margin-bottom: 10px; overflow: hidden; }
.card:last-child { margin-bottom: 0; }
.card-head {
  display: flex; align-items: center; gap: 8px; flex-wrap: wrap;
  padding: 5px 10px; background: var(--bg); border-bottom: 1px solid var(--border); font-size: 12.5px;
}
.card-head .title { font-weight: 600; }
.card-head .meta { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; }
.card-body { padding: 8px 10px; }
.card-body .after { margin-top: 8px; padding-top: 8px; border-top: 1px dashed var(--border); }
.card-body .after-label { font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; font-family: system-ui, sans-serif; }
.badge { display: inline-block; padding: 0 7px; border-radius: 999px; font-size: 11.5px; font-weight: 600; border: 1px solid transparent; }
.badge.role { background: var(--accent-soft); color: var(--accent); }
.fid-pinned, .fid-full { background: var(--kept); border-color: var(--kept-border) !important; }
.fid-compressed { background: var(--skeleton); }
.fid-placeholder, .fid-dropped { background: var(--bg); color: var(--dropped); border-color: var(--border) !important; }
.note { color: var(--muted); font-size: 12.5px; margin: 0 0 8px; }
`;
