// cdn.scalekit.com: Scalekit's static assets (its default logo and favicon), which hosted pages
// show until the customer uploads their own.

import { ASSETS } from '../assets.mjs';
import { notFound, send } from '../http.mjs';

export function createVendorCdnHost() {
  return async function handleVendorCdn(req, res, { url }) {
    const asset = url.pathname.startsWith('/static/') ? ASSETS[url.pathname] : undefined;
    if (req.method !== 'GET' || !asset) return notFound(res);
    return send(res, 200, asset.body, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=3600',
      'Access-Control-Allow-Origin': '*',
    });
  };
}
