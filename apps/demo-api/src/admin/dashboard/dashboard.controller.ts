import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dashboardClient } from './dashboard.client.js';
import { DASHBOARD_CSS, DASHBOARD_HTML } from './dashboard.page.js';

const require = createRequire(import.meta.url);

/** Same-origin only: scripts, styles and data come from this server; no inline script, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page's assets: its script and style, and uPlot from node_modules (no CDN, no build step). */
const ASSETS: Record<string, { type: string; body: () => string }> = {
  'dashboard.js': { type: 'text/javascript; charset=utf-8', body: () => `'use strict';\n(${dashboardClient.toString()})();\n` },
  'dashboard.css': { type: 'text/css; charset=utf-8', body: () => DASHBOARD_CSS },
  'uplot.js': { type: 'text/javascript; charset=utf-8', body: () => readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8') },
  'uplot.css': { type: 'text/css; charset=utf-8', body: () => readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') },
};

/**
 * `/admin/dashboard`: revenue over time and per route, recent receipts with their transactions,
 * failure reasons and the outbox backlog. The page and its assets hold no data, so they are served
 * without the admin token; the data comes from the `/admin/*` JSON endpoints, which need it
 * (the page sends it as a bearer header; see dashboard.client.ts for why sessionStorage).
 */
@ApiExcludeController()
@Controller('admin/dashboard')
export class DashboardController {
  private readonly cache = new Map<string, string>();

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  page(): string {
    return DASHBOARD_HTML;
  }

  @Get('assets/:name')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  asset(@Param('name') name: string, @Res({ passthrough: true }) response: unknown): string {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException({ error: { code: 'not_found', message: `no dashboard asset "${name}"` } });
    this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', asset.type);
    let body = this.cache.get(name);
    if (body === undefined) this.cache.set(name, (body = asset.body()));
    return body;
  }
}
