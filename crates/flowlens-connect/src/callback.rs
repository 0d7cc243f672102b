//! The loopback redirect URI (RFC 8252 §7.3): `http://127.0.0.1:PORT/callback`, served by a
//! listener on 127.0.0.1 only. It answers the browser's request that carries the
//! authorization response with a page saying the terminal has the result, and hands the
//! response's parameters to the run. Anything else (a favicon) gets 404.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub const PATH: &str = "/callback";
/// A request head larger than this is not an authorization response.
const MAX_HEAD: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(5);

const PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Flowlens: authorization response received</title></head>\n<body>\
<h1>Authorization response received</h1>\
<p>Flowlens goes on in your terminal. You can close this window.</p></body></html>\n";

/// The authorization response as it reached the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The request target (`/callback?code=…&state=…`).
    pub target: String,
    /// Its query parameters, decoded.
    pub params: Vec<(String, String)>,
}

impl Hit {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A listening redirect URI; stops listening when dropped.
pub struct Listener {
    pub redirect_uri: String,
    hits: Receiver<Hit>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Listens on 127.0.0.1:`port` (0: a free port).
    pub fn open(port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let (tx, hits) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = thread::Builder::new()
            .name("flowlens-callback".into())
            .spawn(move || serve(&listener, &tx, &flag))?;
        Ok(Self {
            redirect_uri: format!("http://127.0.0.1:{port}{PATH}"),
            hits,
            stop,
            thread: Some(thread),
        })
    }

    /// The authorization response, once it came.
    pub fn try_hit(&self) -> Option<Hit> {
        self.hits.try_recv().ok()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(listener: &TcpListener, hits: &Sender<Hit>, stop: &AtomicBool) {
    let mut answered = false;
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(hit) = answer(stream, answered) {
                    answered = true;
                    let _ = hits.send(hit);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Answers one request; returns the authorization response it carried, if it is the first.
fn answer(mut stream: TcpStream, answered: bool) -> Option<Hit> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let is_response =
        method == "GET" && path == PATH && params.iter().any(|(n, _)| n == "code" || n == "error");
    let (status, body) = if is_response {
        ("200 OK", PAGE)
    } else {
        ("404 Not Found", "not found\n")
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n\
         X-Frame-Options: DENY\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    (is_response && !answered).then(|| Hit {
        target: target.to_string(),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn get(uri: &str, target: &str) -> String {
        let address = uri
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default();
        let mut s = TcpStream::connect(address).expect("connect");
        write!(s, "GET {target} HTTP/1.1\r\nHost: {address}\r\n\r\n").expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn hands_over_the_authorization_response_once() {
        let l = Listener::open(0).expect("listen");
        assert!(
            l.redirect_uri.starts_with("http://127.0.0.1:")
                && l.redirect_uri.ends_with("/callback")
        );
        assert!(get(&l.redirect_uri, "/favicon.ico").starts_with("HTTP/1.1 404"));
        let page = get(&l.redirect_uri, "/callback?code=abc%2B1&state=s");
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("Referrer-Policy: no-referrer"));
        let deadline = Instant::now() + Duration::from_secs(5);
        let hit = loop {
            if let Some(hit) = l.try_hit() {
                break hit;
            }
            assert!(Instant::now() < deadline, "no hit");
            thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(hit.param("code"), Some("abc+1"));
        assert_eq!(hit.param("state"), Some("s"));
        get(&l.redirect_uri, "/callback?code=again");
        thread::sleep(Duration::from_millis(100));
        assert!(
            l.try_hit().is_none(),
            "a second response is not handed over"
        );
    }
}
