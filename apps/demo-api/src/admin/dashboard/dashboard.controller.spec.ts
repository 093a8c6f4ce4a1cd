import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DashboardController } from './dashboard.controller.js';

describe('DashboardController', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [DashboardController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('serves the shell with a same-origin CSP and no inline script', async () => {
    const res = await request(app.getHttpServer()).get('/admin/dashboard').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self';/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text.match(/<script[^>]*>/g)).toEqual(['<script src="/admin/dashboard/assets/uplot.js">', '<script src="/admin/dashboard/assets/dashboard.js">']);
    expect(res.text).not.toMatch(/https?:\/\//); // nothing from another origin
  });

  it.each([
    ['dashboard.js', 'text/javascript; charset=utf-8'],
    ['uplot.js', 'text/javascript; charset=utf-8'],
    ['dashboard.css', 'text/css; charset=utf-8'],
    ['uplot.css', 'text/css; charset=utf-8'],
  ])('serves %s as %s', async (name, type) => {
    const res = await request(app.getHttpServer()).get(`/admin/dashboard/assets/${name}`).expect(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.text.length).toBeGreaterThan(500);
  });

  it('serves a self-contained, syntactically valid script (the client function, no bundler)', async () => {
    const { text } = await request(app.getHttpServer()).get('/admin/dashboard/assets/dashboard.js');
    expect(() => new Function(text)).not.toThrow();
    expect(text).not.toMatch(/\brequire\(|\bimport\s*[{(*]|_ts_|_async_to_generator/);
  });

  it('answers 404 for anything else', async () => {
    for (const name of ['index.js', '..%2Fpackage.json', 'constructor', '__proto__']) {
      await request(app.getHttpServer()).get(`/admin/dashboard/assets/${name}`).expect(404);
    }
  });
});
