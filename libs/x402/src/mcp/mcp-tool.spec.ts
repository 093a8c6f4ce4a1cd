import { describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Param, Post, Query, type Type } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery } from '@nestjs/swagger';
import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http';
import type { X402Route } from '../discovery/x402-route.explorer.js';
import { toolRequest, toolResult } from './mcp-tool-call.js';
import { routeTool, routeTools, type McpRouteTool } from './mcp-tool.js';

@Controller('books')
class BookShelfController {
  @Get(':isbn/pages/:page')
  @ApiParam({ name: 'isbn', description: 'ISBN-13', example: '9780000000000' })
  @ApiQuery({ name: 'format', enum: ['text', 'html'], required: false })
  page(@Param('isbn') isbn: string, @Param('page') page: string, @Query('format') format?: string, @Query('lines') lines?: number) {
    return { isbn, page, format, lines };
  }

  @Post('notes')
  @ApiOperation({ summary: 'Add a note', operationId: 'addNote' })
  @ApiBody({ schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' }, pinned: { type: 'boolean' } } } })
  note(@Body() body: unknown, @Query('draft') draft?: string) {
    return { body, draft };
  }

  @Post('tags')
  tag(@Body('name') name: string, @Body('weight') weight: number) {
    return { name, weight };
  }
}

/** A free route of the controller, as the explorer lists it. */
function route(methodName: keyof BookShelfController, method: string, path: string): X402Route {
  const controller = BookShelfController as Type<unknown>;
  return { controller, handler: (BookShelfController.prototype as unknown as Record<string, Function>)[methodName], methodName, methods: [method], paths: [path] };
}

const page = () => routeTool(route('page', 'GET', '/books/:isbn/pages/:page'), []);
const note = () => routeTool(route('note', 'POST', '/books/notes'), []);
const tag = () => routeTool(route('tag', 'POST', '/books/tags'), []);

describe('routeTool', () => {
  it('names a tool after its controller and method, or Swagger operationId', () => {
    expect(page().name).toBe('book_shelf_page');
    expect(note().name).toBe('addNote');
  });

  it('describes a free route by its Swagger summary, else its method and path', () => {
    expect(note().description).toBe('Add a note. Free.');
    expect(page().description).toBe('GET /books/{isbn}/pages/{page}. Free.');
  });

  it('builds the input schema from path parameters, Swagger parameters and the handler arguments', () => {
    expect(page().inputSchema).toEqual({
      type: 'object',
      properties: {
        isbn: { type: 'string', description: 'ISBN-13', examples: ['9780000000000'] },
        page: { type: 'string' },
        format: { type: 'string', enum: ['text', 'html'] },
        lines: { type: 'number' },
      },
      required: ['isbn', 'page'],
    });
    expect(page()).toMatchObject({ method: 'GET', path: '/books/{isbn}/pages/{page}', pathParams: ['isbn', 'page'] });
    expect([...page().queryParams].sort()).toEqual(['format', 'lines']);
    expect(note().inputSchema).toEqual({
      type: 'object',
      properties: { draft: { type: 'string' }, text: { type: 'string' }, pinned: { type: 'boolean' } },
      required: ['text'],
    });
    expect(note().queryParams).toEqual(['draft']);
    expect(tag().inputSchema).toEqual({ type: 'object', properties: { name: { type: 'string' }, weight: { type: 'number' } } });
  });

  it('makes clashing names unique', () => {
    const r = route('tag', 'POST', '/books/tags');
    expect(routeTools([r, r, r], []).map((t) => t.name)).toEqual(['book_shelf_tag', 'book_shelf_tag_2', 'book_shelf_tag_3']);
  });
});

describe('toolRequest', () => {
  const request = (tool: McpRouteTool, args: Record<string, unknown>) => {
    const made = toolRequest(tool, args);
    if ('error' in made) throw new Error('unexpected error');
    return made.request;
  };

  it('fills the path (encoded) and the query string of a GET', () => {
    expect(request(page(), { isbn: '978/0', page: 3, format: 'html', lines: 20 })).toEqual({ method: 'GET', path: '/books/978%2F0/pages/3?format=html&lines=20' });
  });

  it('keeps a path parameter in its segment', () => {
    expect(request(page(), { isbn: '..', page: '.' }).path).toBe('/books/%2E%2E/pages/%2E');
  });

  it('sends the query parameters of a body method in the query string and the other arguments as JSON', () => {
    expect(request(note(), { text: 'hello', pinned: true, draft: 'yes' })).toEqual({ method: 'POST', path: '/books/notes?draft=yes', body: '{"text":"hello","pinned":true}' });
    expect(request(tag(), {})).toEqual({ method: 'POST', path: '/books/tags', body: '{}' });
  });

  it('refuses a call without its path parameters', () => {
    expect(toolRequest(page(), { isbn: '1' })).toEqual({
      error: expect.objectContaining({ isError: true, structuredContent: { error: { code: 'invalid_tool_arguments', message: 'missing argument: page' } } }),
    });
  });
});

describe('toolResult', () => {
  const paymentRequired = {
    x402Version: 2,
    error: 'Payment required',
    resource: { url: 'http://localhost/books/1' },
    accepts: [{ scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', payTo: '0x0000000000000000000000000000000000000001', maxTimeoutSeconds: 300, extra: {} }],
  };
  const settlement = { success: true, transaction: `0x${'ab'.repeat(32)}`, network: 'eip155:8453', payer: '0x0000000000000000000000000000000000000002' };

  it('maps a 402 to isError with the PaymentRequired of the header, as structured content and JSON text', () => {
    const result = toolResult({ status: 402, headers: { 'payment-required': encodePaymentRequiredHeader(paymentRequired as never) }, body: '{"x402Version":1}' });
    expect(result).toEqual({ isError: true, structuredContent: paymentRequired, content: [{ type: 'text', text: JSON.stringify(paymentRequired) }] });
  });

  it('maps a 200 to the result with the settlement in _meta', () => {
    const result = toolResult({ status: 200, headers: { 'payment-response': encodePaymentResponseHeader(settlement as never) }, body: '{"ok":true}' });
    expect(result).toEqual({ content: [{ type: 'text', text: '{"ok":true}' }], structuredContent: { ok: true }, _meta: { 'x402/payment-response': settlement } });
    expect(toolResult({ status: 200, headers: {}, body: 'plain' })).toEqual({ content: [{ type: 'text', text: 'plain' }] });
  });

  it('maps other statuses to isError with the status and the HTTP error body', () => {
    const body = { error: { code: 'payment_in_progress', message: 'wait' } };
    expect(toolResult({ status: 409, headers: {}, body: JSON.stringify(body) }).structuredContent).toEqual({ status: 409, ...body });
    expect(toolResult({ status: 502, headers: {}, body: 'Bad Gateway' })).toMatchObject({ isError: true, structuredContent: { status: 502, error: { code: 'http_502', message: 'Bad Gateway' } } });
  });
});
