// Test PKI for the simulated environment: a throwaway CA, one leaf certificate whose SANs cover every
// simulated hostname, and an NSS database that trusts the CA.
//
// Why real trust instead of --ignore-certificate-errors: the extension under test may look at the TLS
// state of a page, and a browser that ignores certificate errors marks every page as insecure. Chromium
// on Linux reads user-added roots from $HOME/.pki/nssdb, so the harness launches it with HOME pointing at
// the private home created here and the flow runs over trusted HTTPS.
//
// Everything is made with the openssl and certutil CLIs (Debian packages openssl and libnss3-tools), so no
// crypto library is needed in node_modules.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export const CA_NICKNAME = 'flowlens-test-ca';

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  } catch (error) {
    if (error.code === 'ENOENT') {
      throw new Error(`${command} not found; install it with: apt-get install -y openssl libnss3-tools`);
    }
    const stderr = error.stderr ? error.stderr.toString() : '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`);
  }
}

/**
 * Creates `<runDir>/pki/{ca.pem,ca.key,leaf.pem,leaf.key}` and `<runDir>/home/.pki/nssdb` trusting the CA.
 * Returns the paths and the PEM text the HTTPS server needs. A new CA is made on every call, so a leaked
 * key from an earlier run is worthless.
 */
export function createTestPki(runDir, hostnames) {
  const pkiDir = path.join(runDir, 'pki');
  const homeDir = path.join(runDir, 'home');
  const nssDir = path.join(homeDir, '.pki', 'nssdb');
  rmSync(pkiDir, { recursive: true, force: true });
  rmSync(nssDir, { recursive: true, force: true });
  mkdirSync(pkiDir, { recursive: true });
  mkdirSync(nssDir, { recursive: true });

  const file = (name) => path.join(pkiDir, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  run('openssl', [
    'req', '-x509', ...ecKey, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '7',
    '-subj', '/O=Flowlens tests/CN=Flowlens Test CA (throwaway)',
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  run('openssl', ['req', '-new', ...ecKey, '-keyout', file('leaf.key'), '-out', file('leaf.csr'),
    '-subj', '/O=Flowlens tests/CN=flowlens-sim']);
  // Chromium ignores the CN and requires the names in subjectAltName, with serverAuth.
  writeFileSync(file('leaf.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${[...hostnames, 'localhost'].map((h) => `DNS:${h}`).join(',')},IP:127.0.0.1`,
    '',
  ].join('\n'));
  run('openssl', ['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '7', '-sha256', '-extfile', file('leaf.ext'), '-out', file('leaf.pem')]);

  run('certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password']);
  run('certutil', ['-A', '-d', `sql:${nssDir}`, '-t', 'C,,', '-n', CA_NICKNAME, '-i', file('ca.pem')]);

  return {
    caPath: file('ca.pem'),
    homeDir,
    nssDir,
    key: readFileSync(file('leaf.key')),
    cert: readFileSync(file('leaf.pem')),
  };
}

/**
 * Signs one more leaf certificate for `hostnames` with the CA that createTestPki() made in `runDir`
 * (the real open-source servers of tests/e2e/servers/ run on their own hostnames). Returns the PEM
 * key and certificate an HTTPS server needs.
 */
export function issueLeaf(runDir, name, hostnames) {
  const pkiDir = path.join(runDir, 'pki');
  const file = (suffix) => path.join(pkiDir, `${name}.${suffix}`);
  run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', file('key'), '-out', file('csr'), '-subj', `/O=Flowlens tests/CN=${name}`]);
  writeFileSync(file('ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(',')},IP:127.0.0.1`,
    '',
  ].join('\n'));
  run('openssl', ['x509', '-req', '-in', file('csr'), '-CA', path.join(pkiDir, 'ca.pem'),
    '-CAkey', path.join(pkiDir, 'ca.key'), '-CAcreateserial', '-days', '7', '-sha256',
    '-extfile', file('ext'), '-out', file('pem')]);
  return { key: readFileSync(file('key')), cert: readFileSync(file('pem')) };
}
