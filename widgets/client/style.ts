/** The widgets' CSS (injected once per page). */
export const STYLE = `
.trellis-widget { font: 13px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; max-width: 960px; }
.trellis-widget [hidden] { display: none !important; }
.tw-controls { display: flex; gap: 1.5em; align-items: center; margin: 4px 0; color: #57606a; }
.tw-controls input[type=range] { vertical-align: middle; width: 140px; }
.tw-progress-head { display: flex; gap: 8px; align-items: center; }
.tw-progress-track { flex: 1; height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; }
.tw-progress-bar { height: 100%; width: 0; background: #1f77b4; transition: width .2s; }
.tw-progress-bar.tw-indeterminate { width: 30% !important; animation: tw-slide 1.2s infinite linear; }
@keyframes tw-slide { from { margin-left: -30%; } to { margin-left: 100%; } }
.tw-stop { padding: 2px 10px; border: 1px solid #cf222e; color: #cf222e; background: #fff; border-radius: 4px; cursor: pointer; }
.tw-stop:disabled { border-color: #d0d7de; color: #8c959f; cursor: default; }
.tw-stats { margin-top: 4px; font-variant-numeric: tabular-nums; }
.tw-metrics, .tw-workers { color: #57606a; font-size: 12px; font-variant-numeric: tabular-nums; }
.tw-frame { flex: 0 0 380px; }
.tw-frame svg { border: 1px solid #d0d7de; background: #fff; max-width: 380px; height: auto; }
.tw-title { font-weight: 600; margin: 2px 0; }
.tw-pager { margin: 4px 0; display: flex; gap: 8px; align-items: center; }
.tw-hists { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 6px; }
.tw-table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
.tw-table th, .tw-table td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: right; }
.tw-table th { background: #f6f8fa; }
.tw-row { display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap; }
.tw-heatmaps { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 6px; }
.tw-legend { display: flex; gap: 10px; margin: 4px 0; font-size: 12px; color: #57606a; }
.tw-chip { padding: 0 4px; border-radius: 2px; }
.tw-group { border-top: 1px solid #d0d7de; padding: 6px 0; }
.tw-group.tw-zero .tw-group-head { color: #cf222e; }
.tw-group-head { font-size: 12px; color: #57606a; margin-bottom: 4px; }
.tw-completions { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px; }
.tw-completions.tw-stacked { grid-template-columns: 1fr; }
.tw-card { border: 1px solid #d0d7de; border-radius: 4px; padding: 4px 6px; }
.tw-card-head { font-size: 12px; font-variant-numeric: tabular-nums; margin-bottom: 3px; }
.tw-strip { font: 12px/1.9 ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.tw-tok { padding: 1px 1px; margin: 0 1px; border-radius: 2px; white-space: pre; }
.tw-more { color: #8c959f; }
.tw-completions-table td.tw-text { text-align: left; white-space: pre-wrap; word-break: break-word; max-width: 320px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.tw-completions-table tr.tw-zero td:last-child { color: #cf222e; }
`;
