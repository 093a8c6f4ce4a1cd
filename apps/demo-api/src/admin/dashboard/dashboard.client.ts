import type uPlot from 'uplot';

/**
 * The dashboard's browser script. It is type-checked with the rest of the demo and served as
 * `(${dashboardClient})()`, so it needs no bundler or build step: it must stay self-contained (no
 * imports at run time, nothing from the enclosing module) and use only what browsers run natively.
 *
 * Auth: the admin token is asked for once per tab and kept in sessionStorage (or taken from a
 * `#token=` fragment, which never reaches the server, and removed from the address bar); every
 * call to `/admin/*` sends it as `Authorization: Bearer`. A 401 forgets it and asks again.
 * Data is written with `textContent` only, never as HTML.
 */
export function dashboardClient(): void {
  type Asset = { network: string; asset: string; symbol: string; decimals: number };
  type RevenueRow = { group: string; network: string; asset: string; amount: string; payments: number };
  type Receipt = {
    id: string;
    route: string;
    network: string;
    asset: string;
    amount: string;
    payer: string;
    state: string;
    mode?: string;
    transaction?: string;
    errorReason?: string;
    createdAt: string;
    settledAt?: string;
  };
  type Failures = {
    ledger: { reason: string; count: number; lastAt: string; routes: string[] }[];
    truncated: boolean;
    sinceStart: { stage: string; reason: string; route: string; count: number }[];
  };
  type Outbox = { queued: number; settling: number; backlog: number; oldestUnsettledAgeSeconds: number | null };
  type Delivery = { id: string; eventId: string; eventType: string; endpointId: string; state: string; attempts: number; lastStatus?: number; lastError?: string; createdAt: string };
  type Webhooks = { endpoints: { id: string; url: string }[]; deliveries: Delivery[] };
  type Range = { by: 'minute' | 'hour' | 'day'; buckets: number; stepMs: number; caption: string };

  const TOKEN_KEY = 'x402-admin-token';
  const RANGES: Record<string, Range> = {
    '1h': { by: 'minute', buckets: 60, stepMs: 60_000, caption: 'per minute, UTC' },
    '24h': { by: 'hour', buckets: 24, stepMs: 3_600_000, caption: 'per hour, UTC' },
    '30d': { by: 'day', buckets: 30, stepMs: 86_400_000, caption: 'per day, UTC' },
  };
  const COLORS = ['#2f6fde', '#e67e22', '#16a085', '#8e44ad'];
  const UPlot = (window as unknown as { uPlot: typeof uPlot }).uPlot;
  const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
  const charts: uPlot[] = [];
  let timer: number | undefined;

  class Unauthorized extends Error {}

  /** Atomic units to a decimal string, exactly (same rule as the library's formatAtomic). */
  function formatAtomic(atomic: string, decimals: number): string {
    const value = BigInt(atomic);
    const base = 10n ** BigInt(decimals);
    const fraction = (value % base).toString().padStart(decimals, '0').replace(/0+$/, '');
    return fraction ? `${value / base}.${fraction}` : (value / base).toString();
  }

  function token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api<T>(path: string, method = 'GET'): Promise<T> {
    const res = await fetch(path, { method, headers: { Authorization: `Bearer ${token()}` }, cache: 'no-store' });
    if (res.status === 401) throw new Unauthorized();
    if (!res.ok) throw new Error(`${path} answered HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  function showLogin(message = ''): void {
    window.clearInterval(timer);
    timer = undefined;
    el('board').hidden = true;
    el('controls').hidden = true;
    el('error').hidden = true;
    el('login').hidden = false;
    el('login-error').textContent = message;
    document.body.dataset.state = message ? 'unauthorized' : 'login';
    el<HTMLInputElement>('token').focus();
  }

  function cell(row: HTMLTableRowElement, text: string, className = '', title = ''): HTMLTableCellElement {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    if (title) td.title = title;
    return td;
  }

  function fill(tableId: string, rows: string[][], classes: string[] = [], empty = 'nothing yet'): HTMLTableRowElement[] {
    const body = el<HTMLTableElement>(tableId).tBodies[0];
    body.replaceChildren();
    if (rows.length === 0) {
      const td = body.insertRow().insertCell();
      td.colSpan = el<HTMLTableElement>(tableId).tHead!.rows[0].cells.length;
      td.className = 'empty';
      td.textContent = empty;
      return [];
    }
    return rows.map((values) => {
      const tr = body.insertRow();
      values.forEach((value, i) => cell(tr, value, classes[i] ?? ''));
      return tr;
    });
  }

  function chart(containerId: string, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): void {
    const container = el(containerId);
    container.replaceChildren();
    charts.push(new UPlot({ ...options, width: Math.max(300, container.clientWidth), height: 240 } as uPlot.Options, data, container));
  }

  async function load(): Promise<void> {
    const range = RANGES[el<HTMLSelectElement>('range').value] ?? RANGES['24h'];
    const now = Date.now();
    const lastStart = Math.floor(now / range.stepMs) * range.stepMs; // days, hours and minutes start on UTC multiples of the step
    const firstStart = lastStart - (range.buckets - 1) * range.stepMs;
    const [assets, byRoute, byPeriod, receipts, failures, outbox, webhooks] = await Promise.all([
      api<{ assets: Asset[] }>('/admin/assets'),
      api<{ revenue: RevenueRow[] }>('/admin/revenue?by=route'),
      api<{ revenue: RevenueRow[] }>(`/admin/revenue?by=${range.by}&from=${new Date(firstStart).toISOString()}`),
      api<{ receipts: Receipt[] }>('/admin/receipts?limit=25'),
      api<Failures>('/admin/failures'),
      api<Outbox>('/admin/outbox'),
      api<Webhooks>('/admin/webhooks?limit=25'),
    ]);
    const known = new Map(assets.assets.map((a) => [`${a.network}|${a.asset.toLowerCase()}`, a]));
    const assetOf = (network: string, asset: string): Asset => {
      const key = `${network}|${asset.toLowerCase()}`;
      if (!known.has(key)) known.set(key, { network, asset, symbol: `${asset.slice(0, 8)}…`, decimals: 0 }); // no longer accepted: atomic units
      return known.get(key)!;
    };
    const money = (amount: string, network: string, asset: string) => {
      const a = assetOf(network, asset);
      return `${formatAtomic(amount, a.decimals)} ${a.symbol}`;
    };

    // Totals per asset (a deployment usually takes one token; each gets its own line otherwise).
    const totals = new Map<string, { asset: Asset; amount: bigint; payments: number }>();
    for (const row of byRoute.revenue) {
      const key = `${row.network}|${row.asset.toLowerCase()}`;
      const total = totals.get(key) ?? { asset: assetOf(row.network, row.asset), amount: 0n, payments: 0 };
      total.amount += BigInt(row.amount);
      total.payments += row.payments;
      totals.set(key, total);
    }
    const revenueText = [...totals.values()].map((t) => `${formatAtomic(t.amount.toString(), t.asset.decimals)} ${t.asset.symbol}`).join(' + ');
    el('kpi-revenue').textContent = revenueText || '0';
    el('kpi-revenue').dataset.atomic = [...totals.values()].map((t) => t.amount.toString()).join(',') || '0';
    el('kpi-payments').textContent = String([...totals.values()].reduce((n, t) => n + t.payments, 0));
    el('kpi-failures').textContent = String(failures.ledger.reduce((n, f) => n + f.count, 0)) + (failures.truncated ? '+' : '');
    el('kpi-backlog').textContent = String(outbox.backlog);
    el('kpi-backlog-detail').textContent =
      `${outbox.queued} queued, ${outbox.settling} settling` + (outbox.oldestUnsettledAgeSeconds !== null ? `; oldest ${outbox.oldestUnsettledAgeSeconds} s` : '');

    // Revenue over time: every bucket of the range, empty ones at zero, one series per asset.
    charts.splice(0).forEach((c) => c.destroy());
    const xs = Array.from({ length: range.buckets }, (_, i) => (firstStart + i * range.stepMs) / 1000);
    const seriesAssets = [...totals.values()].map((t) => t.asset);
    for (const row of byPeriod.revenue) {
      const a = assetOf(row.network, row.asset);
      if (!seriesAssets.includes(a)) seriesAssets.push(a);
    }
    const timeSeries = seriesAssets.map((a) => {
      const ys = xs.map(() => 0);
      for (const row of byPeriod.revenue) {
        if (assetOf(row.network, row.asset) !== a) continue;
        const at = Math.floor(Date.parse(row.group) / range.stepMs) * range.stepMs;
        const i = (at - firstStart) / range.stepMs;
        if (i >= 0 && i < ys.length) ys[i] += Number(row.amount) / 10 ** a.decimals;
      }
      return ys;
    });
    el('time-caption').textContent = range.caption;
    const bars = UPlot.paths.bars!({ size: [0.7, 48] });
    chart(
      'chart-time',
      {
        scales: {
          x: { time: true, range: () => [xs[0] - range.stepMs / 2000, xs[xs.length - 1] + range.stepMs / 2000] }, // whole bars at both ends
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
        },
        axes: [{}, { label: seriesAssets.map((a) => a.symbol).join(' / ') || 'revenue', size: 60 }],
        series: [{ label: 'time' }, ...seriesAssets.map((a, i) => ({ label: a.symbol, stroke: COLORS[i % COLORS.length], fill: `${COLORS[i % COLORS.length]}cc`, paths: bars, points: { show: false } }))],
        tzDate: (ts: number) => UPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      },
      [xs, ...timeSeries],
    );

    // Revenue per route: bars on an index axis labelled with the routes, and the exact figures in a table.
    const routes = [...new Set(byRoute.revenue.map((r) => r.group))];
    // Axis labels on two lines (method, path), the path shortened to the width of its bar; the table below has them whole.
    const room = Math.max(8, Math.floor(el('chart-routes').clientWidth / Math.max(routes.length, 1) / 7));
    const label = (route: string) => {
      const [method, path = ''] = route.split(' ');
      return `${method}\n${path.length > room ? `…${path.slice(path.length - room + 1)}` : path}`;
    };
    const routeSeries = seriesAssets.map((a) =>
      routes.map((route) =>
        byRoute.revenue.filter((r) => r.group === route && assetOf(r.network, r.asset) === a).reduce((sum, r) => sum + Number(r.amount) / 10 ** a.decimals, 0),
      ),
    );
    chart(
      'chart-routes',
      {
        scales: { x: { time: false, range: () => [-0.5, Math.max(routes.length, 1) - 0.5] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
        axes: [
          { splits: () => routes.map((_, i) => i), values: (_u, splits) => splits.map((i) => (routes[i] === undefined ? '' : label(routes[i]))), size: 50, gap: 4 },
          { size: 60 },
        ],
        series: [{ label: 'route' }, ...seriesAssets.map((a, i) => ({ label: a.symbol, stroke: COLORS[i % COLORS.length], fill: `${COLORS[i % COLORS.length]}cc`, paths: bars, points: { show: false } }))],
        legend: { show: false },
      },
      [routes.map((_, i) => i), ...routeSeries],
    );
    const routeRows = fill(
      'routes',
      byRoute.revenue.map((r) => [r.group, String(r.payments), money(r.amount, r.network, r.asset)]),
      ['', 'num', 'num'],
    );
    routeRows.forEach((tr, i) => {
      tr.dataset.route = byRoute.revenue[i].group;
      tr.dataset.atomic = byRoute.revenue[i].amount;
    });

    const receiptRows = fill(
      'receipts',
      receipts.receipts.map((r) => [
        (r.settledAt ?? r.createdAt).replace('T', ' ').slice(0, 19),
        r.route,
        money(r.amount, r.network, r.asset),
        r.state,
        r.mode ?? '',
        `${r.payer.slice(0, 6)}…${r.payer.slice(-4)}`,
        r.transaction ?? '',
        r.errorReason ?? '',
      ]),
      ['', '', 'num', '', '', 'mono', 'mono', 'mono wrap'],
    );
    receiptRows.forEach((tr, i) => {
      const r = receipts.receipts[i];
      tr.dataset.receipt = r.id;
      tr.cells[3].className = `state-${r.state}`;
      tr.cells[5].title = r.payer;
    });

    fill(
      'failures-ledger',
      failures.ledger.map((f) => [f.reason, String(f.count), f.lastAt.replace('T', ' ').slice(0, 19), f.routes.join(', ')]),
      ['mono wrap', 'num', '', 'wrap'],
      'no failed settlement',
    );
    fill(
      'failures-process',
      failures.sinceStart.map((f) => [f.stage, f.reason, f.route, String(f.count)]),
      ['', 'mono wrap', '', 'num'],
      'no refusal since start',
    );
    showWebhooks(webhooks);
    el('updated').textContent = `updated ${new Date().toISOString().replace('T', ' ').slice(11, 19)} UTC`;
  }

  /** Recent webhook deliveries; a failed one (or one still retrying) can be sent again with the same event id. */
  function showWebhooks(webhooks: Webhooks): void {
    el('webhook-endpoints').textContent = webhooks.endpoints.length ? `to ${webhooks.endpoints.map((e) => e.id).join(', ')}` : 'no endpoint configured';
    const rows = fill(
      'webhooks',
      webhooks.deliveries.map((d) => [d.createdAt.replace('T', ' ').slice(0, 19), d.eventType, d.endpointId, d.state, String(d.attempts), d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : ''), '']),
      ['', 'mono', '', '', 'num', 'mono wrap', ''],
      'no delivery yet',
    );
    rows.forEach((tr, i) => {
      const delivery = webhooks.deliveries[i];
      tr.dataset.delivery = delivery.id;
      tr.cells[3].className = `state-${delivery.state}`;
      if (delivery.state !== 'failed' && delivery.state !== 'pending') return;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'small';
      button.textContent = 'Redeliver';
      button.addEventListener('click', () => void redeliver(delivery.id, button));
      tr.cells[6].replaceChildren(button);
    });
  }

  async function redeliver(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    el('webhook-error').hidden = true;
    try {
      await api(`/admin/webhooks/${encodeURIComponent(id)}/redeliver`, 'POST');
      await refresh();
    } catch (error) {
      if (error instanceof Unauthorized) return showLogin('That token was refused (401). Enter the admin token.');
      el('webhook-error').hidden = false;
      el('webhook-error').textContent = `Could not redeliver: ${(error as Error).message}`;
      button.disabled = false;
    }
  }

  async function refresh(): Promise<void> {
    try {
      await load();
      el('login').hidden = true;
      el('error').hidden = true;
      el('board').hidden = false;
      el('controls').hidden = false;
      document.body.dataset.state = 'ready';
      timer ??= window.setInterval(() => void refresh(), 30_000);
    } catch (error) {
      if (error instanceof Unauthorized) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin('That token was refused (401). Enter the admin token.');
        return;
      }
      el('error').hidden = false;
      el('error').textContent = `Could not load the dashboard: ${(error as Error).message}`;
      document.body.dataset.state = 'error';
    }
  }

  // A link may carry the token in its fragment (never sent to the server): keep it for this tab, then drop it from the URL.
  const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragment) {
    sessionStorage.setItem(TOKEN_KEY, fragment);
    history.replaceState(null, '', location.pathname + location.search);
  }

  el('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = el<HTMLInputElement>('token').value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    el<HTMLInputElement>('token').value = '';
    void refresh();
  });
  el('refresh').addEventListener('click', () => void refresh());
  el('range').addEventListener('change', () => void refresh());
  el('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin();
  });

  if (token()) void refresh();
  else showLogin();
}
