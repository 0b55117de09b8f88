//! A minimal keep-alive HTTP/1.1 server on loopback for the targets that go through the
//! public `p2c_vpn::Client`: it answers every request with the response set by the fuzz
//! target and records the request line, so the wrapper's real code path (generated client,
//! hooks, error mapping) runs on fuzz input without private APIs.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use p2c_vpn::{Client, Credentials, RetryConfig};

/// What the server answers with.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct State {
    reply: Reply,
    last_target: Option<String>,
}

pub struct Harness {
    pub runtime: tokio::runtime::Runtime,
    pub client: Client,
    state: Arc<Mutex<State>>,
}

impl Harness {
    pub fn get() -> &'static Harness {
        static H: OnceLock<Harness> = OnceLock::new();
        H.get_or_init(Harness::start)
    }

    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = Client::builder()
            .endpoint(format!("http://{addr}"))
            .project_id("fuzzproject")
            .credentials(Credentials::new("FUZZAK", "fuzz-secret"))
            .retry(RetryConfig::disabled())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        Harness {
            runtime,
            client,
            state,
        }
    }

    pub fn set_reply(&self, reply: Reply) {
        let mut s = self.state.lock().expect("state");
        s.reply = reply;
        s.last_target = None;
    }

    #[allow(dead_code)] // used by cli_parse only
    pub fn last_target(&self) -> Option<String> {
        self.state.lock().expect("state").last_target.clone()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_nodelay(true);
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        match reader.read_line(&mut request_line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        // Headers until the blank line; GET requests carry no body.
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" || line == "\n" => break,
                Ok(_) => {}
            }
        }
        let reply = {
            let mut s = state.lock().expect("state");
            s.last_target = request_line.split(' ').nth(1).map(str::to_owned);
            s.reply.clone()
        };
        // 204 and 304 responses have no body (RFC 9110); sending one would desynchronise
        // the kept-alive connection: a harness bug, not a client one.
        let body: &[u8] = if matches!(reply.status, 204 | 304) {
            &[]
        } else {
            &reply.body
        };
        let mut head = format!("HTTP/1.1 {} Fuzz\r\n", reply.status);
        if !body.is_empty() || !matches!(reply.status, 204 | 304) {
            head.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body).is_err() {
            return;
        }
    }
}
