import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLIENT_MAX_API_VERSION, compareApiVersions, negotiateApiVersion, resolveConnection } from '../../../src/readers/engine';

describe('API version negotiation', () => {
  it('uses the server version when it is older than ours, ours otherwise', () => {
    expect(negotiateApiVersion('1.41')).toBe('1.41');
    expect(negotiateApiVersion('1.99')).toBe(CLIENT_MAX_API_VERSION);
    expect(negotiateApiVersion(CLIENT_MAX_API_VERSION)).toBe(CLIENT_MAX_API_VERSION);
  });
  it('refuses engines older than the oldest API it reads, and missing headers', () => {
    expect(() => negotiateApiVersion('1.12')).toThrow(/older than the oldest/);
    expect(() => negotiateApiVersion(undefined)).toThrow(/no usable Api-Version header/);
    expect(() => negotiateApiVersion('banana')).toThrow(/no usable Api-Version header/);
  });
  it('compares numerically, not as text', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('2.0', '1.99')).toBeGreaterThan(0);
  });
});

describe('resolveConnection (docker CLI conventions)', () => {
  const plain = { tlsVerify: false, certPath: '/nonexistent' };
  it('reads unix sockets and tcp addresses with default ports', () => {
    expect(resolveConnection({ ...plain, host: 'unix:///var/run/docker.sock' })).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(resolveConnection({ ...plain, host: 'tcp://127.0.0.1' })).toEqual({ kind: 'tcp', protocol: 'http', host: '127.0.0.1', port: 2375 });
    expect(resolveConnection({ ...plain, host: 'tcp://[::1]:2380' })).toEqual({ kind: 'tcp', protocol: 'http', host: '::1', port: 2380 });
  });
  it('uses TLS with the three files of DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certs-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), `${f} contents`);
    const conn = resolveConnection({ host: 'tcp://docker.example:2376', tlsVerify: true, certPath: dir });
    expect(conn).toMatchObject({ kind: 'tcp', protocol: 'https', host: 'docker.example', port: 2376 });
    expect(conn.kind === 'tcp' && conn.ca?.toString()).toBe('ca.pem contents');
    expect(resolveConnection({ host: 'tcp://docker.example', tlsVerify: true, certPath: dir })).toMatchObject({ port: 2376 });
    fs.rmSync(path.join(dir, 'key.pem'));
    expect(() => resolveConnection({ host: 'tcp://docker.example:2376', tlsVerify: true, certPath: dir })).toThrow(/reading TLS file .*key\.pem failed/);
  });
  it('rejects what it cannot use, saying why', () => {
    expect(() => resolveConnection({ ...plain, host: 'ssh://me@host' })).toThrow(/ssh:\/\/ is not supported/);
    expect(() => resolveConnection({ ...plain, host: '/var/run/docker.sock' })).toThrow(/must look like/);
    expect(() => resolveConnection({ ...plain, host: 'unix://relative.sock' })).toThrow(/absolute/);
    expect(() => resolveConnection({ ...plain, host: 'tcp://host:99999' })).toThrow(/out of range/);
  });
});
