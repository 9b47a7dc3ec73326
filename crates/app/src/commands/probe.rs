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
        Ok(ExitStatus::Rejected)
    }
}
