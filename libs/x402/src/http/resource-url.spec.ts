import { X402HttpException } from '../x402.errors.js';
import { checkedHost, requestPath, resourceUrlOf } from './resource-url.js';

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof X402HttpException ? `${error.getStatus()} ${error.code}` : `not an X402HttpException: ${error}`;
  }
  return 'no error';
};

describe('resource URLs', () => {
  it.each(['example.com', 'api.example.com:8443', '127.0.0.1:3000', '[::1]:80', 'my_service', 'localhost.'])('takes the host %s', (host) => {
    expect(checkedHost(host)).toBe(host.toLowerCase());
  });

  it.each(['a b', 'a%b', 'x:99999', 'x:0', 'x:', 'h/reports/x?', 'h?a=1', 'h#x', 'u@h', 'h\\x', 'a,b', '', '[::1', '-'.repeat(300)])('refuses the host %j with 400 invalid_host', (host) => {
    expect(codeOf(() => checkedHost(host))).toBe('400 invalid_host');
  });

  it('takes the path and query of an absolute-form target, never its authority', () => {
    expect(requestPath('http://evil.example/weather?x=1')).toBe('/weather?x=1');
    expect(requestPath('/weather?x=1')).toBe('/weather?x=1');
    expect(codeOf(() => requestPath('*'))).toBe('400 invalid_request_target');
    expect(codeOf(() => requestPath('ftp://x/y'))).toBe('400 invalid_request_target');
  });

  it('prefers the public URL, else the platform\'s host and protocol, else the Host header', () => {
    const headers = { host: 'evil.example', 'x-forwarded-host': 'evil2.example' };
    expect(resourceUrlOf({ headers }, '/a', 'https://api.example.com/v1')).toBe('https://api.example.com/v1/a');
    expect(resourceUrlOf({ headers: { 'x-forwarded-host': 'evil.example', host: 'api.example.com' } }, '/a')).toBe('http://api.example.com/a');
    expect(resourceUrlOf({ headers, host: 'trusted.example', protocol: 'https' }, '/a')).toBe('https://trusted.example/a');
    expect(codeOf(() => resourceUrlOf({ headers, protocol: 'javascript' }, '/a'))).toBe('400 invalid_forwarded_proto');
    expect(codeOf(() => resourceUrlOf({ headers: {} }, '/a'))).toBe('400 invalid_host');
  });
});
