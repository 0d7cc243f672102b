// In-memory records of the simulated Scalekit environment. Every record is reached through an id the
// simulator issued (client_id, login_request_id, state, request id, code, token), which is how one
// server keeps several scenarios' flows apart without cookies.

const MINUTE = 60 * 1000;

/** Lifetimes from the Scalekit docs and OAuth 2.1 (§1.5 of the reference: the lri lives 15 minutes). */
export const LIFETIMES = Object.freeze({
  client: 24 * 60 * MINUTE,
  loginRequest: 15 * MINUTE,
  consentRequest: 10 * MINUTE,
  authorizationCode: 10 * MINUTE,
  accessToken: 60 * MINUTE,
  refreshToken: 24 * 60 * MINUTE,
});

class ExpiringMap {
  constructor(lifetimeMs) {
    this.lifetimeMs = lifetimeMs;
    this.entries = new Map();
  }

  set(key, value) {
    this.entries.set(key, { value, expiresAt: Date.now() + this.lifetimeMs });
    return value;
  }

  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  delete(key) {
    this.entries.delete(key);
  }
}

export class SimStore {
  constructor() {
    /** client_id → { clientId, scenario, authHost, clientName, redirectUris } */
    this.clients = new ExpiringMap(LIFETIMES.client);
    /** login_request_id → the pending authorization request, from /oauth/authorize to partner:callback */
    this.loginRequests = new ExpiringMap(LIFETIMES.loginRequest);
    /** Scalekit's internal state → login_request_id; matched byte for byte at partner:callback */
    this.loginRequestsByState = new ExpiringMap(LIFETIMES.loginRequest);
    /** req_… → a login request whose user is known and that now waits for consent */
    this.consentRequests = new ExpiringMap(LIFETIMES.consentRequest);
    /** authorization code → grant; deleted on first use */
    this.codes = new ExpiringMap(LIFETIMES.authorizationCode);
    /** access token → grant */
    this.tokens = new ExpiringMap(LIFETIMES.accessToken);
    /** refresh token → grant; deleted on use (rotation) */
    this.refreshTokens = new ExpiringMap(LIFETIMES.refreshToken);
  }
}
