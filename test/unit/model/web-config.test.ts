// The exporter-toolkit web configuration parser: every key, what exporter-toolkit refuses, what
// Node cannot do, and every problem of a file listed at once.
import { CIPHER_SUITES, canonicalIp, isBcryptHash, nodeTlsSettings, parseGoDuration, parseWebConfig, subjectAltNames, type WebTlsConfig } from '../../../src/model/web-config';

const FILE = '/etc/dae/web.yml';
/** bcryptjs.hashSync('secret', 4), as htpasswd -nBC 4 would write it ($2y$). */
const HASH = '$2y$04$/XQytLN92ZQRjKmCRebBhuoTWMfew0MP8zZFyUi1mjSQjbuG2hIPa';

const parse = (text: string, availableCiphers?: string[]) => parseWebConfig(text, FILE, { availableCiphers });
/** The configuration of a file that must have no problem. */
function ok(text: string) {
  const { config, problems } = parse(text);
  expect(problems).toEqual([]);
  return config;
}
const tlsOf = (text: string): WebTlsConfig => {
  const tls = ok(text).tls;
  if (!tls) throw new Error('expected TLS');
  return tls;
};

describe('parseWebConfig', () => {
  it('reads an empty file (and a file of comments) as plain HTTP without auth, as exporter-toolkit', () => {
    for (const text of ['', '# nothing\n', '---\n']) {
      const c = ok(text);
      expect(c).toEqual({ tls: undefined, headers: {}, http2: true, users: new Map(), rateLimit: undefined });
    }
  });

  it('reads every key of tls_server_config, with paths relative to the file\'s folder', () => {
    const tls = tlsOf(`
tls_server_config:
  cert_file: certs/server.pem
  key_file: /abs/server.key
  client_ca_file: ../ca.pem
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
  prefer_server_cipher_suites: false
  curve_preferences: [X25519, CurveP256]
  client_allowed_sans: [prometheus.example, 127.0.0.1]
`);
    expect(tls).toEqual({
      certFile: '/etc/dae/certs/server.pem',
      cert: undefined,
      keyFile: '/abs/server.key',
      key: undefined,
      clientCaFile: '/etc/ca.pem',
      clientCa: undefined,
      clientAuthType: 'RequireAndVerifyClientCert',
      minVersion: 'TLS13',
      maxVersion: 'TLS13',
      cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
      preferServerCipherSuites: false,
      curvePreferences: ['X25519', 'CurveP256'],
      clientAllowedSans: ['prometheus.example', '127.0.0.1'],
    });
  });

  it('takes cert, key and client_ca inline, and defaults as exporter-toolkit (TLS 1.2 to 1.3, server order, no client cert)', () => {
    const tls = tlsOf('tls_server_config:\n  cert: "-----BEGIN CERTIFICATE-----"\n  key: "-----BEGIN PRIVATE KEY-----"\n');
    expect(tls).toMatchObject({ cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN PRIVATE KEY-----', certFile: undefined, keyFile: undefined });
    expect(tls).toMatchObject({ clientAuthType: 'NoClientCert', minVersion: 'TLS12', maxVersion: 'TLS13', preferServerCipherSuites: true, cipherSuites: [], curvePreferences: [] });
    expect(tlsOf('tls_server_config: { cert: c, key: k, client_ca: ca, client_auth_type: VerifyClientCertIfGiven }').clientCa).toBe('ca');
  });

  it.each([
    ['NoClientCert', 'NoClientCert'],
    ['RequestClientCert', 'RequestClientCert'],
    ['RequireAnyClientCert', 'RequireAnyClientCert'],
    ['RequireClientCert', 'RequireAnyClientCert'], // exporter-toolkit's old name
    ['VerifyClientCertIfGiven', 'VerifyClientCertIfGiven'],
    ['RequireAndVerifyClientCert', 'RequireAndVerifyClientCert'],
  ])('client_auth_type %s is %s', (text, type) => {
    const ca = type === 'NoClientCert' ? '' : ', client_ca_file: ca.pem';
    expect(tlsOf(`tls_server_config: { cert_file: c.pem, key_file: k.pem, client_auth_type: ${text}${ca} }`).clientAuthType).toBe(type);
  });

  it('turns TLS on with any TLS key, and then wants cert and key (IsEnabled, validateTLSPaths)', () => {
    expect(parse('tls_server_config: { client_auth_type: NoClientCert }').problems).toEqual([
      'tls_server_config.cert_file: missing (TLS needs cert_file, or cert inline, with key_file or key)',
      'tls_server_config.key_file: missing (TLS needs key_file, or key inline, with cert_file or cert)',
    ]);
    expect(parse('tls_server_config: { cert_file: c.pem, cert: x, key_file: k.pem, key: y }').problems).toEqual([
      'tls_server_config.cert: give cert_file or cert, not both',
      'tls_server_config.key: give key_file or key, not both',
    ]);
    // Keys that do not turn TLS on leave the server plain, as in exporter-toolkit.
    expect(ok('tls_server_config: { min_version: TLS13 }').tls).toBeUndefined();
  });

  it('refuses a client CA without a client auth policy, and a verifying policy without a CA', () => {
    expect(parse('tls_server_config: { cert_file: c, key_file: k, client_ca_file: ca.pem }').problems).toEqual([
      'tls_server_config.client_ca_file: a client CA is configured but client_auth_type is NoClientCert (set RequireAndVerifyClientCert to verify clients)',
    ]);
    expect(parse('tls_server_config: { cert_file: c, key_file: k, client_auth_type: RequireAndVerifyClientCert }').problems).toEqual([
      'tls_server_config.client_ca_file: client_auth_type RequireAndVerifyClientCert verifies client certificates against client_ca_file (or client_ca), which is missing',
    ]);
    expect(parse('tls_server_config: { cert_file: c, key_file: k, client_allowed_sans: [a] }').problems).toEqual([
      expect.stringMatching(/^tls_server_config\.client_allowed_sans: client_auth_type NoClientCert asks for no client certificate/),
    ]);
  });

  it('refuses TLS versions Node cannot serve, unknown ones and an inverted range', () => {
    expect(parse('tls_server_config: { cert_file: c, key_file: k, min_version: TLS10, max_version: TLS11 }').problems).toEqual([
      expect.stringMatching(/^tls_server_config\.max_version: TLS11 cannot be served: Node's OpenSSL 3/),
    ]);
    expect(parse('tls_server_config: { cert_file: c, key_file: k, min_version: TLS14 }').problems).toEqual(['tls_server_config.min_version: unknown TLS version "TLS14" (known: TLS10, TLS11, TLS12, TLS13)']);
    expect(parse('tls_server_config: { cert_file: c, key_file: k, min_version: TLS13, max_version: TLS12 }').problems).toEqual(['tls_server_config.min_version: TLS13 is above max_version TLS12']);
    // A minimum below TLS 1.2 is accepted; OpenSSL simply negotiates no lower than it can.
    expect(tlsOf('tls_server_config: { cert_file: c, key_file: k, min_version: TLS10 }').minVersion).toBe('TLS10');
  });

  it('takes Go\'s cipher suite names, refuses the insecure and unknown ones, and those this OpenSSL lacks', () => {
    const base = 'tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites:\n';
    const suites = (...names: string[]) => base + names.map((n) => `    - ${n}\n`).join('');
    expect(parse(suites('TLS_RSA_WITH_RC4_128_SHA', 'TLS_NOPE', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), ['ecdhe-rsa-aes128-gcm-sha256']).problems).toEqual([
      'tls_server_config.cipher_suites: TLS_RSA_WITH_RC4_128_SHA is insecure; exporter-toolkit refuses it too',
      'tls_server_config.cipher_suites: unknown cipher suite "TLS_NOPE" (Go\'s names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)',
      'tls_server_config.cipher_suites: TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA (OpenSSL ECDHE-RSA-DES-CBC3-SHA) is not offered by this Node\'s OpenSSL (OpenSSL 3 has no 3DES suites at its default security level)',
    ]);
    // Every suite of the table maps to an OpenSSL name; the TLS 1.3 ones need none.
    for (const [go, openssl] of Object.entries(CIPHER_SUITES)) expect([go, openssl]).toEqual([go, expect.stringMatching(/^[A-Z0-9-]+$/)]);
    expect(ok(suites('TLS_AES_256_GCM_SHA384')).tls?.cipherSuites).toEqual(['TLS_AES_256_GCM_SHA384']);
  });

  it('takes exporter-toolkit\'s curve names and refuses the others', () => {
    expect(parse('tls_server_config: { cert_file: c, key_file: k, curve_preferences: [CurveP384, X25519MLKEM768, P-256] }').problems).toEqual([
      "tls_server_config.curve_preferences: X25519MLKEM768 is not supported by Node 20's OpenSSL 3.0",
      'tls_server_config.curve_preferences: unknown curve "P-256" (known: CurveP256, CurveP384, CurveP521, X25519)',
    ]);
  });

  it('takes the five headers exporter-toolkit allows, with their allowed values, and drops blank ones', () => {
    const c = ok(`
http_server_config:
  http2: false
  headers:
    Strict-Transport-Security: max-age=31536000; includeSubDomains
    X-Content-Type-Options: nosniff
    X-Frame-Options: deny
    X-XSS-Protection: "1; mode=block"
    Content-Security-Policy: ""
`);
    expect(c.http2).toBe(false);
    expect(c.headers).toEqual({
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'deny',
      'X-XSS-Protection': '1; mode=block',
    });
    expect(ok('http_server_config: { headers: { X-Frame-Options: sameorigin } }').headers).toEqual({ 'X-Frame-Options': 'sameorigin' });
    expect(parse('http_server_config: { headers: { X-Frame-Options: allow, Server: me, X-Content-Type-Options: [a] } }').problems).toEqual([
      'http_server_config.headers.X-Frame-Options: "allow" is not one of "deny", "sameorigin"',
      'http_server_config.headers: HTTP header "Server" can not be configured (allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)',
      'http_server_config.headers.X-Content-Type-Options: expected a string',
    ]);
  });

  it('reads basic_auth_users as bcrypt hashes ($2y$, $2a$, $2b$) and names the user, never the hash, of a bad one', () => {
    const c = ok(`basic_auth_users:\n  prometheus: ${HASH}\n  other: '${HASH.replace('$2y$', '$2b$')}'\n`);
    expect([...c.users]).toEqual([
      ['prometheus', HASH],
      ['other', HASH.replace('$2y$', '$2b$')],
    ]);
    const { problems } = parse('basic_auth_users:\n  alice: plaintext-password\n  bob:\n');
    expect(problems).toEqual([expect.stringMatching(/^basic_auth_users\.alice: not a bcrypt hash/), expect.stringMatching(/^basic_auth_users\.bob: not a bcrypt hash/)]);
    expect(problems.join('\n')).not.toContain('plaintext-password');
  });

  it('reads rate_limit as Go durations; an interval of 0 turns it off', () => {
    expect(ok('rate_limit: { interval: 100ms, burst: 5 }').rateLimit).toEqual({ intervalMs: 100, burst: 5 });
    expect(ok('rate_limit: { interval: 0, burst: 5 }').rateLimit).toBeUndefined();
    expect(parse('rate_limit: { interval: soon, burst: -1 }').problems).toEqual(['rate_limit.interval: "soon" is not a duration such as 100ms or 1s', 'rate_limit.burst: expected a whole number of requests']);
  });

  it('refuses unknown keys at every level, as exporter-toolkit\'s strict unmarshalling', () => {
    expect(parse('tls_config: {}\ntls_server_config: { certfile: x }\nhttp_server_config: { header: {} }\nrate_limit: { every: 1s }\n').problems).toEqual([
      'tls_config: unknown key (known: tls_server_config, http_server_config, basic_auth_users, rate_limit)',
      'tls_server_config.certfile: unknown key (known: cert_file, key_file, cert, key, client_ca_file, client_ca, client_auth_type, min_version, max_version, cipher_suites, prefer_server_cipher_suites, curve_preferences, client_allowed_sans)',
      'http_server_config.header: unknown key (known: headers, http2)',
      'rate_limit.every: unknown key (known: interval, burst)',
    ]);
  });

  it('lists every problem of a file at once, each naming its key', () => {
    const { problems } = parse(`
tls_server_config:
  cert_file: server.pem
  client_auth_type: RequireEverything
  max_version: TLS99
  cipher_suites: TLS_AES_128_GCM_SHA256
  prefer_server_cipher_suites: maybe
http_server_config:
  headers: { Server: x }
basic_auth_users: { prometheus: hunter2 }
bogus: 1
`);
    expect(problems).toEqual([
      'bogus: unknown key (known: tls_server_config, http_server_config, basic_auth_users, rate_limit)',
      'tls_server_config.client_auth_type: "RequireEverything" is not one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert',
      'tls_server_config.max_version: unknown TLS version "TLS99" (known: TLS10, TLS11, TLS12, TLS13)',
      'tls_server_config.cipher_suites: expected a list of strings',
      'tls_server_config.prefer_server_cipher_suites: expected true or false',
      'tls_server_config.key_file: missing (TLS needs key_file, or key inline, with cert_file or cert)',
      expect.stringMatching(/^http_server_config\.headers: HTTP header "Server" can not be configured/),
      expect.stringMatching(/^basic_auth_users\.prometheus: not a bcrypt hash/),
    ]);
  });

  it('reports YAML errors and a top level that is not a mapping, without throwing', () => {
    expect(parse('tls_server_config: [\n').problems[0]).toMatch(/^YAML: /);
    expect(parse('a: 1\na: 2\n').problems[0]).toMatch(/^YAML: .*[Uu]nique|^YAML: .*duplicate/);
    expect(parse('- just\n- a list\n').problems).toEqual(['expected a mapping at the top level (tls_server_config, http_server_config, basic_auth_users, rate_limit)']);
    expect(parse('tls_server_config: 3').problems).toEqual(['tls_server_config: expected a mapping']);
    // A billion laughs is refused, not expanded.
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(() => parse(bomb)).not.toThrow();
    expect(parse(bomb).problems.length).toBeGreaterThan(0);
  });

  it('reads scalars as yaml.v2 does into string fields (a number stays its text) and YAML 1.1 booleans', () => {
    expect(tlsOf('tls_server_config: { cert_file: 123, key_file: k, prefer_server_cipher_suites: no }')).toMatchObject({ certFile: '/etc/dae/123', preferServerCipherSuites: false });
  });
});

describe('nodeTlsSettings', () => {
  const tls = (over: Partial<WebTlsConfig>): WebTlsConfig => ({
    certFile: '/c',
    keyFile: '/k',
    clientAuthType: 'NoClientCert',
    minVersion: 'TLS12',
    maxVersion: 'TLS13',
    cipherSuites: [],
    preferServerCipherSuites: true,
    curvePreferences: [],
    ...over,
  });

  it('maps each client auth type to what OpenSSL checks in the handshake and what is checked after it', () => {
    const policy = (clientAuthType: WebTlsConfig['clientAuthType']) => {
      const s = nodeTlsSettings(tls({ clientAuthType }));
      return [s.requestCert, s.rejectUnauthorized, s.afterHandshake];
    };
    expect(policy('NoClientCert')).toEqual([false, false, 'none']);
    expect(policy('RequestClientCert')).toEqual([true, false, 'none']);
    expect(policy('RequireAnyClientCert')).toEqual([true, false, 'any']);
    expect(policy('VerifyClientCertIfGiven')).toEqual([true, false, 'if-given']);
    expect(policy('RequireAndVerifyClientCert')).toEqual([true, true, 'none']);
  });

  it('maps versions, suites (keeping TLS 1.3\'s) and curves to OpenSSL\'s names', () => {
    const s = nodeTlsSettings(tls({ minVersion: 'TLS13', cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'], curvePreferences: ['CurveP384', 'X25519'], preferServerCipherSuites: false }));
    expect(s).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ecdhCurve: 'P-384:X25519', honorCipherOrder: false });
    expect(s.ciphers).toBe('TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384');
    expect(nodeTlsSettings(tls({})).ciphers).toBeUndefined();
  });
});

describe('helpers', () => {
  it.each([
    [HASH, true],
    [HASH.replace('$2y$', '$2a$'), true],
    [HASH.replace('$2y$04$', '$2y$03$'), false],
    [HASH.replace('$2y$04$', '$2y$32$'), false],
    [HASH.slice(0, -1), false],
    ['$apr1$abc', false],
  ])('isBcryptHash(%s) is %s', (text, expected) => expect(isBcryptHash(text)).toBe(expected));

  it.each([
    ['1s', 1000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['250us', 0.25],
  ])('parseGoDuration(%j) = %d', (text, ms) => expect(parseGoDuration(text)).toBe(ms));
  it.each(['', '1', 's', '1d', '1s '])('parseGoDuration(%j) is not a duration', (text) => expect(parseGoDuration(text)).toBeUndefined());

  it('reads SANs as Node writes them into the strings Go compares', () => {
    expect(subjectAltNames('DNS:prometheus.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:a@b.c, URI:spiffe://x/y')).toEqual([
      'prometheus.example',
      '127.0.0.1',
      '::1',
      'a@b.c',
      'spiffe://x/y',
    ]);
    expect(subjectAltNames('DNS:"a,b", DNS:c')).toEqual(['a,b', 'c']);
    expect(subjectAltNames(undefined)).toEqual([]);
    expect(canonicalIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('fe80:0:0:0:0:0:0:0')).toBe('fe80::');
  });
});
