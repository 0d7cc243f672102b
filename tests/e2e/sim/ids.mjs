// Random identifiers in the shapes Scalekit uses (prefix_ + digits, base64url state).

import { randomBytes, randomInt } from 'node:crypto';

export function randomDigits(count) {
  let digits = String(randomInt(1, 10));
  while (digits.length < count) digits += String(randomInt(0, 10));
  return digits;
}

/** `prefix_` followed by 17 digits, like lri_86659065219908156. */
export function prefixedId(prefix) {
  return `${prefix}_${randomDigits(17)}`;
}

export function base64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

export function randomToken(byteCount = 32) {
  return base64url(randomBytes(byteCount));
}

/**
 * Scalekit's internal BYOA state. 37 random bytes give 50 base64url characters, the length seen in the
 * docs (HntJ_ENB6y161i9_P1yzuZVv2SSTfD3aZH-Tej0_Y33_Fk8Z3g). Drawn until it holds both '-' and '_' so that
 * a parser that mangles either shows up. The 'base64' alphabet gives 52 characters ending in '==' with
 * '+' and '/', which change when percent-encoded: the double-encoding scenario needs that.
 */
export function internalState(alphabet) {
  for (;;) {
    const bytes = randomBytes(37);
    if (alphabet === 'base64') {
      const state = bytes.toString('base64');
      if (state.includes('+') && state.includes('/')) return state;
    } else {
      const state = bytes.toString('base64url');
      if (state.includes('-') && state.includes('_')) return state;
    }
  }
}
