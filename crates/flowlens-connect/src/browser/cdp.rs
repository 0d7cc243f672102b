//! A DevTools protocol connection: JSON messages over the browser's WebSocket.
//!
//! One thread owns the socket. It sends the calls it is handed, hands each answer back to
//! its caller by id, and passes every event on, as JSON: the recorder reads the fields it
//! uses and tolerates everything else, so a newer Chromium that adds fields or enum values
//! loses nothing. The typed CDP crates deserialize into a protocol snapshot and drop the
//! events that no longer match it; with Debian's Chromium 156 that was most
//! `Network.requestWillBeSentExtraInfo` events, the requests' real headers and cookies.

use std::collections::HashMap;
use std::io;
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// How long the socket thread waits for a message before it looks for calls to send.
const POLL: Duration = Duration::from_millis(15);

/// An event of the browser or of one of its sessions.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    /// The session (attached target) it belongs to; `None` for browser-level events.
    pub session: Option<String>,
    pub params: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdpError {
    /// The connection is gone: the browser exited or closed it.
    Closed,
    /// No answer within the time allowed.
    Timeout(String),
    /// The browser answered with an error.
    Remote(String),
}

impl std::fmt::Display for CdpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CdpError::Closed => f.write_str("the browser closed the DevTools connection"),
            CdpError::Timeout(method) => write!(f, "the browser did not answer {method} in time"),
            CdpError::Remote(message) => f.write_str(message),
        }
    }
}

struct Call {
    id: u64,
    text: String,
    reply: Sender<Result<Value, CdpError>>,
}

/// The sending half of a connection; events arrive on the receiver [`connect`] returns.
pub struct Cdp {
    calls: Sender<Call>,
    next_id: AtomicU64,
}

/// Connects to the browser's DevTools WebSocket (`ws://127.0.0.1:PORT/devtools/browser/…`).
pub fn connect(ws_url: &str, timeout: Duration) -> Result<(Cdp, Receiver<Event>), String> {
    let address = ws_url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("not a DevTools WebSocket URL: {ws_url}"))?;
    let stream = TcpStream::connect(address).map_err(|e| format!("cannot reach {address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let (socket, _) = tungstenite::client(ws_url, stream)
        .map_err(|e| format!("DevTools WebSocket handshake with {address} failed: {e}"))?;
    socket
        .get_ref()
        .set_read_timeout(Some(POLL))
        .map_err(|e| e.to_string())?;
    let (calls_tx, calls_rx) = mpsc::channel::<Call>();
    let (events_tx, events_rx) = mpsc::channel::<Event>();
    thread::Builder::new()
        .name("flowlens-cdp".into())
        .spawn(move || pump(socket, calls_rx, events_tx))
        .map_err(|e| format!("cannot start the DevTools thread: {e}"))?;
    Ok((
        Cdp {
            calls: calls_tx,
            next_id: AtomicU64::new(1),
        },
        events_rx,
    ))
}

impl Cdp {
    /// Calls `method` (on a session, or on the browser) and waits for its result.
    pub fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, CdpError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = Value::String(s.to_string());
        }
        let (reply, answer) = mpsc::channel();
        self.calls
            .send(Call {
                id,
                text: message.to_string(),
                reply,
            })
            .map_err(|_| CdpError::Closed)?;
        match answer.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(CdpError::Timeout(method.to_string())),
            Err(RecvTimeoutError::Disconnected) => Err(CdpError::Closed),
        }
    }
}

fn pump(mut socket: WebSocket<TcpStream>, calls: Receiver<Call>, events: Sender<Event>) {
    let mut pending: HashMap<u64, Sender<Result<Value, CdpError>>> = HashMap::new();
    'run: loop {
        loop {
            match calls.try_recv() {
                Ok(call) => {
                    if socket.send(Message::text(call.text)).is_err() {
                        let _ = call.reply.send(Err(CdpError::Closed));
                        break 'run;
                    }
                    pending.insert(call.id, call.reply);
                }
                Err(TryRecvError::Empty) => break,
                // The connection's owner is gone: close it.
                Err(TryRecvError::Disconnected) => {
                    let _ = socket.close(None);
                    break 'run;
                }
            }
        }
        match socket.read() {
            Ok(Message::Text(text)) => dispatch(text.as_str(), &mut pending, &events),
            Ok(Message::Close(_)) => break,
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    for (_, reply) in pending {
        let _ = reply.send(Err(CdpError::Closed));
    }
}

fn dispatch(
    text: &str,
    pending: &mut HashMap<u64, Sender<Result<Value, CdpError>>>,
    events: &Sender<Event>,
) {
    let Ok(mut message) = serde_json::from_str::<Value>(text) else {
        return;
    };
    if let Some(id) = message.get("id").and_then(Value::as_u64) {
        if let Some(reply) = pending.remove(&id) {
            let result = match message.get("error") {
                Some(error) => Err(CdpError::Remote(
                    error
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("error")
                        .to_string(),
                )),
                None => Ok(message
                    .get_mut("result")
                    .map(Value::take)
                    .unwrap_or(Value::Null)),
            };
            let _ = reply.send(result);
        }
        return;
    }
    let Some(method) = message.get("method").and_then(Value::as_str) else {
        return;
    };
    let event = Event {
        method: method.to_string(),
        session: message
            .get("sessionId")
            .and_then(Value::as_str)
            .map(str::to_string),
        params: message
            .get_mut("params")
            .map(Value::take)
            .unwrap_or(Value::Null),
    };
    // Nobody listens any more: the run is over.
    let _ = events.send(event);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_go_to_their_caller_and_events_are_passed_on() {
        let (events_tx, events_rx) = mpsc::channel();
        let (reply, answer) = mpsc::channel();
        let mut pending = HashMap::from([(7, reply)]);
        dispatch(r#"{"id":7,"result":{"ok":true}}"#, &mut pending, &events_tx);
        assert_eq!(answer.try_recv(), Ok(Ok(json!({"ok": true}))));
        assert!(pending.is_empty());

        let (reply, answer) = mpsc::channel();
        pending.insert(8, reply);
        dispatch(
            r#"{"id":8,"error":{"code":-32000,"message":"No node"}}"#,
            &mut pending,
            &events_tx,
        );
        assert_eq!(
            answer.try_recv(),
            Ok(Err(CdpError::Remote("No node".into())))
        );

        dispatch(
            r#"{"method":"Network.requestWillBeSentExtraInfo","sessionId":"S1","params":{"requestId":"1","brandNewField":[1]}}"#,
            &mut pending,
            &events_tx,
        );
        let event = events_rx.try_recv().expect("an event");
        assert_eq!(event.method, "Network.requestWillBeSentExtraInfo");
        assert_eq!(event.session.as_deref(), Some("S1"));
        assert_eq!(event.params["brandNewField"], json!([1]));
        // Garbage and unknown ids are ignored.
        dispatch("not json", &mut pending, &events_tx);
        dispatch(r#"{"id":99,"result":{}}"#, &mut pending, &events_tx);
        assert!(events_rx.try_recv().is_err());
    }
}
