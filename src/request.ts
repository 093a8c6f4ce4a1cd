import { readFile } from 'node:fs/promises';
import type { RequestArgs } from './args.js';
import { UsageError } from './errors.js';

/** What is sent: method, headers and optional body. */
export interface RequestPlan {
  method: string;
  headers: Headers;
  body?: string;
}

export type ReadTextFile = (path: string) => Promise<string>;

const readTextFile: ReadTextFile = (path) => readFile(path, 'utf8');

/**
 * Turns parsed arguments into a request. `--data` is inline JSON (validated) or `@path` (read as is);
 * a JSON body gets `content-type: application/json` unless `--header` set one. With a body and no
 * `--method`, the method is POST (like curl).
 */
export async function planRequest(args: RequestArgs, read: ReadTextFile = readTextFile): Promise<RequestPlan> {
  const headers = new Headers();
  for (const [name, value] of args.headers) {
    try {
      headers.append(name, value);
    } catch {
      throw new UsageError(`option --header: invalid value for "${name}"`);
    }
  }
  if (args.data === undefined) return { method: args.method ?? 'GET', headers };

  let body: string;
  let isJson: boolean;
  if (args.data.startsWith('@')) {
    const path = args.data.slice(1);
    if (path === '') throw new UsageError('option --data: "@" must be followed by a file path');
    try {
      body = await read(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`option --data: cannot read file "${path}" (${reason})`);
    }
    isJson = isJsonText(body);
  } else {
    body = args.data;
    if (!isJsonText(body)) throw new UsageError('option --data: not valid JSON (use @path to send a file as is)');
    isJson = true;
  }
  if (isJson && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return { method: args.method ?? 'POST', headers, body };
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
