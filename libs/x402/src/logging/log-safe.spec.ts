import { reasonCode, safeMessage } from '../facilitator/failure-reason.js';
import { logSafe, redactSecrets, redactUrl } from './log-safe.js';

describe('log-safe text', () => {
  it('strips credentials from URLs: user info, query, key-like path segments', () => {
    expect(redactUrl('https://user:pass@rpc.example/v2/Zx9kQ4tLmN7pR2sV8wY1aB3c?apikey=s#f')).toBe('https://***@rpc.example/v2/***?***');
    expect(redactUrl('https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef')).toBe('https://mainnet.infura.io/v3/***');
    expect(redactUrl('http://127.0.0.1:8545/')).toBe('http://127.0.0.1:8545/');
    expect(redactUrl('https://base-mainnet.example/rpc/eth-mainnet')).toBe('https://base-mainnet.example/rpc/eth-mainnet');
  });

  it('redacts URLs and long hex inside text, escapes control characters, truncates', () => {
    const tx = `0x02${'ab'.repeat(200)}`;
    expect(redactSecrets(`URL: https://a:b@rpc.example/?k=1\nbody: ["${tx}"]`)).toBe('URL: https://***@rpc.example/?***\nbody: ["0x…(402 hex digits)"]');
    expect(logSafe('a\nb\r\u0000c\u2028')).toBe('a\\nb\\r\\u0000c\\u2028');
    expect(logSafe('x'.repeat(600))).toHaveLength(501);
    expect(logSafe(new Error('boom\nforged line'))).toBe('boom\\nforged line');
  });

  it('keeps a reason only when it is a code, a message only when it is plain short text', () => {
    expect(reasonCode('insufficient_funds', 'settlement_failed')).toBe('insufficient_funds');
    for (const reason of ['Transaction creation failed.\nURL: http://x', 'UPPER', 'a'.repeat(65), '', undefined, 42]) expect(reasonCode(reason, 'settlement_failed')).toBe('settlement_failed');
    expect(safeMessage('The payer has too little USDC', 'fallback')).toBe('The payer has too little USDC');
    for (const message of ['see https://rpc.example/v2/key', 'two\nlines', `0x${'a'.repeat(100)}`, 'x'.repeat(301), undefined]) expect(safeMessage(message, 'fallback')).toBe('fallback');
  });
});
