// Access tokens shaped like Scalekit's (a JWT with iss, aud, scope, jti tkn_…), so an observer that
// decodes a visible token sees realistic claims. Signed HS256 with a key made per simulator start; the
// simulator itself validates tokens by looking them up, the signature only makes them well-formed.

import { createHmac, randomBytes } from 'node:crypto';
import { base64url } from './ids.mjs';

export function createTokenSigner() {
  const key = randomBytes(32);
  const keyId = `snk_sim_${randomBytes(4).toString('hex')}`;
  return function signJwt(claims) {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: keyId }));
    const payload = base64url(JSON.stringify(claims));
    const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  };
}
