// A loopback HTTP proxy that plays the part of Chromium's --host-resolver-rules for Firefox,
// which has no such switch: the simulated hostnames (auth.acme.test, …) reach the simulator's
// listeners on 127.0.0.1, and every other host is refused here, so a Firefox under test never
// reaches past loopback. HTTPS goes through CONNECT (the TLS session is end to end, between
// Firefox and the simulator: the proxy only sees the hostname); plain HTTP arrives as
// absolute-URI requests and is forwarded.

import http from 'node:http';
import net from 'node:net';

/**
 * Starts the proxy on 127.0.0.1 (a free port).
 *   routes  {hostname: {443: port, 80: port}}: where each mapped host:port goes on 127.0.0.1
 * Returns { port, refused, close() }; `refused` lists the "host:port" of every request that
 * was turned away (Firefox's own background traffic, or a test that strayed).
 */
export async function startHostProxy({ routes }) {
  const refused = [];
  const target = (host, port) => routes[host.toLowerCase()]?.[port] ?? null;
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    // A proxied plain-HTTP request: the request line carries the absolute URL.
    let url;
    try {
      url = new URL(req.url);
    } catch {
      res.writeHead(400).end('absolute URL expected');
      return;
    }
    const port = Number(url.port || 80);
    const to = url.protocol === 'http:' ? target(url.hostname, port) : null;
    if (to === null) {
      refused.push(`${url.hostname}:${port}`);
      res.writeHead(502, { 'content-type': 'text/plain' }).end('blocked by the test proxy: not a simulated host');
      return;
    }
    const upstream = http.request({
      host: '127.0.0.1',
      port: to,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: withoutProxyHeaders(req.headers),
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });

  server.on('connect', (req, client, head) => {
    const [host, portText] = req.url.split(/:(?=\d+$)/);
    const to = target(host, Number(portText));
    if (to === null) {
      refused.push(req.url);
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = net.connect(to, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const drop = () => { upstream.destroy(); client.destroy(); };
    upstream.on('error', drop);
    client.on('error', drop);
    client.on('close', drop);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    refused,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/** Hop-by-hop headers a proxy must not pass on. */
function withoutProxyHeaders(headers) {
  const out = { ...headers };
  for (const name of ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']) delete out[name];
  return out;
}
