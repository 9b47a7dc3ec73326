//! `zinc probe`: one HTTP GET to the local server, for container health checks.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::Context;

use super::exit::ExitStatus;
use crate::config::Config;

const TIMEOUT: Duration = Duration::from_secs(3);

pub(super) fn run(
    config: &Config,
    path: &str,
    address: Option<SocketAddr>,
) -> anyhow::Result<ExitStatus> {
    let mut address = address.unwrap_or(config.bind);
    if address.ip().is_unspecified() {
        address.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .with_context(|| format!("cannot connect to {address}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head)?;
    let status_line = String::from_utf8_lossy(&head[..read]);
    let status = status_line.split_whitespace().nth(1).unwrap_or("none");
    if status == "200" {
        println!("{address}{path}: 200");
        Ok(ExitStatus::Success)
    } else {
        eprintln!("{address}{path}: {status}");
        Ok(ExitStatus::Unhealthy)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// Probes a one-shot server that answers `status_line`.
    fn probe_answered(status_line: &'static str) -> ExitStatus {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            // The whole request head (the probe may send it in several writes).
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                request.push(byte[0]);
            }
            write!(stream, "{status_line}\r\nContent-Length: 0\r\n\r\n").unwrap();
        });
        let config = Config::from_lookup(|_| None).unwrap();
        let status = run(&config, "/health/live", Some(address)).unwrap();
        server.join().unwrap();
        status
    }

    #[test]
    fn a_server_answering_200_is_healthy() {
        assert_eq!(probe_answered("HTTP/1.1 200 OK"), ExitStatus::Success);
    }

    #[test]
    fn a_server_answering_anything_else_is_unhealthy_with_exit_code_1() {
        let status = probe_answered("HTTP/1.1 503 Service Unavailable");
        assert_eq!(status, ExitStatus::Unhealthy);
        assert_eq!(status.code(), 1);
    }
}
