//! A tiny HTTP/1.1 server on 127.0.0.1:0 for the probe's tests, plain or TLS (a self-signed
//! certificate made at start). One thread accepts, one thread per connection answers one
//! request and closes (`Connection: close`). It can also misbehave on purpose: stall without
//! answering, or stream an endless body.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// How long a misbehaving connection keeps going at most (the probe gives up much earlier).
const MISBEHAVE_LIMIT: Duration = Duration::from_secs(20);

/// A request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The Host header without port, lower-cased.
    pub host: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request, never answer.
    Stall,
    /// 200 with a body that never ends.
    Endless,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply::Full {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        }
    }

    pub fn html(status: u16, text: &str) -> Self {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Reply::status(status).header("Location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A running server; stops when dropped.
pub struct Server {
    pub port: u16,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds 127.0.0.1:0 (the port is known before the handler is made).
    pub fn bind() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").expect("bind a loopback port")
    }

    pub fn plain(listener: TcpListener, handler: Handler) -> Self {
        Self::serve(listener, None, handler)
    }

    pub fn tls(listener: TcpListener, handler: Handler) -> Self {
        Self::serve(listener, Some(tls_config()), handler)
    }

    fn serve(listener: TcpListener, tls: Option<Arc<ServerConfig>>, handler: Handler) -> Self {
        let port = listener.local_addr().expect("local address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop_accept = stop.clone();
        let accept = thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_accept.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (tls, handler, stop) = (tls.clone(), handler.clone(), stop_accept.clone());
                thread::spawn(move || connection(stream, tls, handler, stop));
            }
        });
        Self {
            port,
            stop,
            accept: Some(accept),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = Server::bind();
    listener.local_addr().expect("local address").port()
}

fn connection(
    stream: TcpStream,
    tls: Option<Arc<ServerConfig>>,
    handler: Handler,
    stop: Arc<AtomicBool>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_nodelay(true);
    match tls {
        Some(config) => {
            let Ok(conn) = ServerConnection::new(config) else {
                return;
            };
            let mut s = StreamOwned::new(conn, stream);
            answer(&mut s, &handler, &stop);
            s.conn.send_close_notify();
            let _ = s.flush();
            let _ = s.sock.shutdown(Shutdown::Both);
        }
        None => {
            let mut s = stream;
            answer(&mut s, &handler, &stop);
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn answer<S: Read + Write>(s: &mut S, handler: &Handler, stop: &AtomicBool) {
    let request = match read_request(s) {
        Ok(Some(r)) => r,
        Ok(None) => {
            // Not HTTP (a TLS ClientHello on the plain port): answer like a real server does.
            let _ = s.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        }
        Err(_) => return,
    };
    match handler(&request) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (n, v) in &headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ));
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
            let _ = s.flush();
        }
        Reply::Stall => {
            let start = Instant::now();
            while !stop.load(Ordering::SeqCst) && start.elapsed() < MISBEHAVE_LIMIT {
                thread::sleep(Duration::from_millis(20));
            }
        }
        Reply::Endless => {
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
            );
            let chunk = vec![b' '; 64 * 1024];
            let start = Instant::now();
            while !stop.load(Ordering::SeqCst) && start.elapsed() < MISBEHAVE_LIMIT {
                if s.write_all(&chunk).is_err() {
                    break; // the client stopped reading and closed
                }
            }
        }
    }
}

/// Reads one request. `Ok(None)` when the bytes are not HTTP.
fn read_request<S: Read>(s: &mut S) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if buf.is_empty() && !byte[0].is_ascii_uppercase() {
            return Ok(None);
        }
        buf.push(byte[0]);
        if buf.len() > 64 * 1024 {
            return Ok(None);
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target)) = (first.next(), first.next()) else {
        return Ok(None);
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let length: usize = find("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length.min(1024 * 1024)];
    s.read_exact(&mut body)?;
    let host = find("host")
        .map(|h| h.rsplit_once(':').map(|(h, _)| h.to_string()).unwrap_or(h))
        .unwrap_or_default()
        .to_ascii_lowercase();
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        host,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Status",
    }
}

/// One self-signed certificate per test process, for every test host name.
fn tls_config() -> Arc<ServerConfig> {
    static CONFIG: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let names = ["mcp.acme.test", "auth.acme.test", "localhost", "127.0.0.1"]
                .map(String::from)
                .to_vec();
            let key = rcgen::generate_simple_self_signed(names).expect("a test certificate");
            let cert: CertificateDer<'static> = key.cert.der().clone();
            let private =
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
            let config = ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], private)
            .expect("a server certificate");
            Arc::new(config)
        })
        .clone()
}
