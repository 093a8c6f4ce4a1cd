import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./validate-openapi.mjs', import.meta.url));

/**
 * Validates an OpenAPI document with @apidevtools/swagger-parser; rejects with the parser's reason.
 * The parser runs in a child Node process: it is CommonJS requiring an ES module, which Node loads
 * natively but Jest's module registry cannot.
 */
export function validateOpenApi(document: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`invalid OpenAPI document: ${output}`))));
    child.stdin.end(JSON.stringify(document));
  });
}
