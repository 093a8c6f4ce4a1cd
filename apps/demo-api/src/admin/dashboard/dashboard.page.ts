/** Where the dashboard and its assets are served (the demo has no global prefix). */
export const DASHBOARD_PATH = '/admin/dashboard';

/**
 * The dashboard's HTML: a static shell with no data in it, so it is served without the admin token.
 * Its script asks for the token, keeps it in sessionStorage and reads the `/admin/*` JSON endpoints
 * with `Authorization: Bearer`. Everything comes from this origin (no CDN), and the CSP says so.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>x402 revenue dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DASHBOARD_PATH}/assets/uplot.css">
<link rel="stylesheet" href="${DASHBOARD_PATH}/assets/dashboard.css">
</head>
<body data-state="loading">
<header>
  <h1>x402 revenue</h1>
  <div class="controls" id="controls" hidden>
    <label>Period <select id="range">
      <option value="1h">last hour, per minute</option>
      <option value="24h" selected>last 24 hours, per hour</option>
      <option value="30d">last 30 days, per day</option>
    </select></label>
    <button type="button" id="refresh">Refresh</button>
    <button type="button" id="signout" class="secondary">Sign out</button>
    <span class="muted" id="updated"></span>
  </div>
</header>

<main>
  <section id="login" class="card login" hidden>
    <h2>Admin token</h2>
    <p>Enter the demo's admin token (<code>X402_ADMIN_TOKEN</code>, printed at startup). It stays in this tab only (sessionStorage) and is sent as <code>Authorization: Bearer</code>.</p>
    <form id="login-form" autocomplete="off">
      <input type="password" id="token" name="token" placeholder="admin token" required autofocus>
      <button type="submit">Open dashboard</button>
    </form>
    <p class="error" id="login-error" role="alert"></p>
  </section>

  <p class="error" id="error" role="alert" hidden></p>

  <div id="board" hidden>
    <section class="kpis">
      <div class="card kpi"><h3>Revenue (all time)</h3><div class="value" id="kpi-revenue" data-testid="total-revenue">–</div></div>
      <div class="card kpi"><h3>Paid requests</h3><div class="value" id="kpi-payments" data-testid="total-payments">–</div></div>
      <div class="card kpi"><h3>Failed settlements</h3><div class="value" id="kpi-failures" data-testid="total-failures">–</div></div>
      <div class="card kpi"><h3>Outbox backlog</h3><div class="value" id="kpi-backlog" data-testid="outbox-backlog">–</div><div class="muted" id="kpi-backlog-detail"></div></div>
    </section>

    <section class="charts">
      <div class="card"><h2>Revenue over time <span class="muted" id="time-caption"></span></h2><div id="chart-time" class="chart"></div></div>
      <div class="card"><h2>Revenue per route</h2><div id="chart-routes" class="chart"></div>
        <table id="routes"><thead><tr><th>Route</th><th class="num">Payments</th><th class="num">Revenue</th></tr></thead><tbody></tbody></table>
      </div>
    </section>

    <section class="card">
      <h2>Recent receipts</h2>
      <div class="table-scroll"><table id="receipts"><thead><tr><th>Time (UTC)</th><th>Route</th><th class="num">Amount</th><th>State</th><th>Mode</th><th>Payer</th><th>Transaction</th><th>Reason</th></tr></thead><tbody></tbody></table></div>
    </section>

    <section class="split">
      <div class="card">
        <h2>Failure reasons <span class="muted">settlements, from the ledger</span></h2>
        <table id="failures-ledger"><thead><tr><th>Reason</th><th class="num">Count</th><th>Last</th><th>Routes</th></tr></thead><tbody></tbody></table>
      </div>
      <div class="card">
        <h2>Refusals <span class="muted">this instance, since it started</span></h2>
        <table id="failures-process"><thead><tr><th>Stage</th><th>Reason</th><th>Route</th><th class="num">Count</th></tr></thead><tbody></tbody></table>
      </div>
    </section>

    <section class="card">
      <h2>Webhook deliveries <span class="muted" id="webhook-endpoints"></span></h2>
      <p class="error" id="webhook-error" role="alert" hidden></p>
      <div class="table-scroll"><table id="webhooks"><thead><tr><th>Time (UTC)</th><th>Event</th><th>Endpoint</th><th>State</th><th class="num">Attempts</th><th>Last answer</th><th></th></tr></thead><tbody></tbody></table></div>
    </section>
  </div>
</main>
<script src="${DASHBOARD_PATH}/assets/uplot.js"></script>
<script src="${DASHBOARD_PATH}/assets/dashboard.js"></script>
</body>
</html>
`;

export const DASHBOARD_CSS = `
:root { --fg: #1d2330; --muted: #6b7385; --bg: #f5f6f8; --card: #fff; --line: #e3e6eb; --accent: #2f6fde; --bad: #c0392b; --ok: #1e8e3e; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; justify-content: space-between; gap: 16px; padding: 12px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 10px; }
h3 { font-size: 12px; margin: 0 0 6px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
main { padding: 16px 24px 32px; max-width: 1400px; margin: 0 auto; }
.controls { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 16px; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 16px; }
.kpi .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.charts, .split { display: grid; grid-template-columns: 3fr 2fr; gap: 16px; }
.split { grid-template-columns: 1fr 1fr; }
.chart { min-height: 240px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11.5px; }
td.wrap { white-space: normal; word-break: break-word; }
.table-scroll { overflow-x: auto; }
td.empty { color: var(--muted); text-align: center; }
.state-settled { color: var(--ok); }
.state-failed { color: var(--bad); }
.state-delivered { color: var(--ok); }
button.small { padding: 2px 8px; font-size: 12px; }
.muted { color: var(--muted); font-weight: normal; font-size: 12px; }
.error { color: var(--bad); }
.login { max-width: 520px; margin: 48px auto; }
.login form { display: flex; gap: 8px; }
input, select, button { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
input { flex: 1; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.secondary { background: #fff; color: var(--fg); border-color: var(--line); }
@media (max-width: 900px) { .kpis { grid-template-columns: repeat(2, 1fr); } .charts, .split { grid-template-columns: 1fr; } }
`;
