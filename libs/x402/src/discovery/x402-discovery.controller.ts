import { Controller, Get, Header, Req } from '@nestjs/common';
import { X402DiscoveryService, type X402DiscoveryDocument } from './x402-discovery.service.js';

type HttpRequest = { headers: Record<string, string | string[] | undefined> };

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value?.split(',')[0].trim();
}

/** The origin the client used, from the `Host` (or `X-Forwarded-Host`/`-Proto`) header. */
export function requestOrigin(request: HttpRequest): string {
  const host = first(request.headers['x-forwarded-host']) ?? first(request.headers.host) ?? 'localhost';
  const proto = first(request.headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
  return `${proto}://${host}`;
}

/**
 * Serves `GET /.well-known/x402`: the priced resources of this API, for crawlers and agents.
 * Registered by `X402DiscoveryModule.forRoot()`.
 */
@Controller('.well-known')
export class X402DiscoveryController {
  constructor(private readonly discovery: X402DiscoveryService) {}

  @Get('x402')
  @Header('Cache-Control', 'public, max-age=300')
  list(@Req() request: HttpRequest): X402DiscoveryDocument {
    return this.discovery.document(requestOrigin(request));
  }
}
