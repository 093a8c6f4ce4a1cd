import { Controller, Get, Header, Req } from '@nestjs/common';
import { requestOrigin, type UrlSourceRequest } from '../http/resource-url.js';
import { X402DiscoveryService, type X402DiscoveryDocument } from './x402-discovery.service.js';

/** The validated origin the client used (X-Forwarded-* only where the app trusts its proxy). */
export { requestOrigin };

/**
 * Serves `GET /.well-known/x402`: the priced resources of this API, for crawlers and agents.
 * Registered by `X402DiscoveryModule.forRoot()`.
 */
@Controller('.well-known')
export class X402DiscoveryController {
  constructor(private readonly discovery: X402DiscoveryService) {}

  @Get('x402')
  @Header('Cache-Control', 'public, max-age=300')
  list(@Req() request: UrlSourceRequest): X402DiscoveryDocument {
    return this.discovery.document(requestOrigin(request));
  }
}
